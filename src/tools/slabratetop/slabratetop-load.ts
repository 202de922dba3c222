// Loads slabratetop.bpf.o with its config and attaches kmem:kmem_cache_alloc; each take
// is what its `caches` map counted since the previous one.
// The only module of the tool that touches libbpf, imported when the command runs.
import { arrayU64, mapDelete, mapEntries } from "../../bpf/maps.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { counterTaker, type TopSource } from "../top-tool.js";
import {
  type CacheRate,
  configBytes,
  decodeCache,
  KEY,
  type SlabratetopConfig,
  VALUE,
} from "./slabratetop-records.js";

/** Each take: the allocations per cache since the previous one (or attach). */
export function loadSlabratetop(config: SlabratetopConfig): TopSource<CacheRate> {
  const object = { name: "slabratetop", programs: ["slabratetop_alloc"], config: configBytes(config) };
  return loadToolObject(object, (col) => {
    const fd = col.mapFd("caches");
    const lost = col.mapFd("lost");
    return {
      take: counterTaker(
        () => mapEntries(fd, KEY.size, VALUE.size),
        (k) => mapDelete(fd, k),
        decodeCache,
        ["count", "bytes"],
      ),
      lost: () => ({ map: arrayU64(lost, 0) }),
      close: () => col.close(),
    };
  });
}
