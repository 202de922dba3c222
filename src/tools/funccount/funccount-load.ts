// Loads funccount.bpf.o with one counter per probe, attaches every probe with its index
// as cookie, and reads the counters. The only module of the tool that touches libbpf.
import { Collection } from "../../bpf/collection.js";
import { mapLookup } from "../../bpf/maps.js";
import { bpfObjectPath } from "../../bpf/paths.js";
import { layout } from "../../sources/bpf/records.js";
import { attachAll, programsFor } from "../probe-attach.js";
import type { ProbeTarget } from "../probe-targets.js";

const CONFIG = layout("funccount_config", [
  ["filter_pid", "u32"],
  ["pad", "u32"],
]);

const PROGRAMS = { uprobe: "funccount_uprobe", tracepoint: "funccount_tracepoint" };

export interface FunccountCounters {
  /** Hits per probe (by index), cumulative since attach. */
  read(): number[];
  close(): void;
}

export function loadFunccount(targets: readonly ProbeTarget[], pid: number | null): FunccountCounters {
  const col = Collection.open(bpfObjectPath("funccount"));
  try {
    col.setAutoload(programsFor(PROGRAMS, targets));
    const cfg = Buffer.alloc(CONFIG.size);
    cfg.writeUInt32LE(pid ?? 0, CONFIG.off.filter_pid);
    col.setReadOnlyConfig(cfg);
    col.setMaxEntries("counts", Math.max(1, targets.length));
    col.load();
    attachAll(col, PROGRAMS, targets, pid);
  } catch (err) {
    col.close();
    throw err;
  }
  const fd = col.mapFd("counts");
  const key = Buffer.alloc(4);
  const value = Buffer.alloc(8);
  return {
    read: () =>
      targets.map((_, i) => {
        key.writeUInt32LE(i);
        return mapLookup(fd, key, value) ? Number(value.readBigUInt64LE()) : 0;
      }),
    close: () => col.close(),
  };
}
