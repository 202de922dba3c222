// Loads slabratetop.bpf.o with its config and attaches kmem:kmem_cache_alloc; each take
// is what its `caches` map counted since the previous one.
// The only module of the tool that touches libbpf, imported when the command runs.
import { arrayU64, mapDelete, mapEntries } from "../../bpf/maps.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import {
  type CacheRate,
  configBytes,
  decodeCache,
  KEY,
  type SlabratetopConfig,
  VALUE,
} from "./slabratetop-records.js";

export interface SlabratetopSource {
  /** The allocations per cache since the previous take (or attach). */
  take(): CacheRate[];
  lost(): number;
  close(): void;
}

export function loadSlabratetop(config: SlabratetopConfig): SlabratetopSource {
  const object = { name: "slabratetop", programs: ["slabratetop_alloc"], config: configBytes(config) };
  return loadToolObject(object, (col) => {
    const fd = col.mapFd("caches");
    const lost = col.mapFd("lost");
    // Counts stay in the map (no allocation is lost between a read and a clear); each take
    // is the difference to the previous read, and a cache idle for a whole interval goes.
    let prev = new Map<string, CacheRate>();
    return {
      take() {
        const now = mapEntries(fd, KEY.size, VALUE.size).map(([k, v]) => ({
          key: Buffer.from(k),
          c: decodeCache(k, v),
        }));
        const rows: CacheRate[] = [];
        const next = new Map<string, CacheRate>();
        for (const { key, c } of now) {
          const p = prev.get(c.name);
          const d = { name: c.name, count: c.count - (p?.count ?? 0), bytes: c.bytes - (p?.bytes ?? 0) };
          if (d.count > 0) rows.push(d);
          if (d.count === 0 && p) mapDelete(fd, key);
          else next.set(c.name, c);
        }
        prev = next;
        return rows;
      },
      lost: () => arrayU64(lost, 0),
      close: () => col.close(),
    };
  });
}
