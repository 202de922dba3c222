// Loads funccount.bpf.o with one counter per probe, attaches every probe with its index
// as cookie, and reads the counters. The only module of the tool that touches libbpf.
import type { Collection } from "../../bpf/collection.js";
import { mapLookup } from "../../bpf/maps.js";
import { loadToolObject } from "../../bpf/tool-object.js";
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
  const cfg = Buffer.alloc(CONFIG.size);
  cfg.writeUInt32LE(pid ?? 0, CONFIG.off.filter_pid);
  const object = {
    name: "funccount",
    programs: programsFor(PROGRAMS, targets),
    config: cfg,
    maxEntries: { counts: Math.max(1, targets.length) },
    attach: (col: Collection) => attachAll(col, PROGRAMS, targets, pid),
  };
  return loadToolObject(object, (col) => {
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
  });
}
