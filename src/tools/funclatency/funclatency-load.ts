// Loads funclatency.bpf.o, attaches the entry and return programs to every function (its
// index as cookie) and reads the histograms. The only module of the tool that touches libbpf.
import type { Collection } from "../../bpf/collection.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { layout } from "../../sources/bpf/records.js";
import { histMapSource } from "../hist-source.js";
import type { HistEntry, HistSource } from "../hist-tool.js";
import { attachProbe } from "../probe-attach.js";
import type { UprobeTarget } from "../probe-targets.js";

const CONFIG = layout("funclatency_config", [
  ["filter_pid", "u32"],
  ["unit_ns", "u32"],
  ["per_func", "u8"],
  ["pad", { array: "u8", len: 7 }],
]);

/** Slots of the `lost` array map. */
export const LOST_WORDS = {
  start: "calls not timed: the map of entry times was full",
  hist: "calls not counted: the map of histograms was full",
};

export interface FunclatencyConfig {
  pid: number | null;
  /** 1 (nsecs), 1000 (usecs) or 1000000 (msecs) */
  unitNs: number;
  perFunc: boolean;
}

export function loadFunclatency(targets: readonly UprobeTarget[], c: FunclatencyConfig): HistSource {
  const cfg = Buffer.alloc(CONFIG.size);
  cfg.writeUInt32LE(c.pid ?? 0, CONFIG.off.filter_pid);
  cfg.writeUInt32LE(c.unitNs, CONFIG.off.unit_ns);
  cfg.writeUInt8(c.perFunc ? 1 : 0, CONFIG.off.per_func);
  const object = {
    name: "funclatency",
    programs: ["funclatency_entry", "funclatency_return"],
    config: cfg,
    attach(col: Collection) {
      // Returns first: a call whose entry is seen is then timed at its return.
      for (const [i, t] of targets.entries()) attachProbe(col, "funclatency_return", t, i, c.pid, true);
      for (const [i, t] of targets.entries()) attachProbe(col, "funclatency_entry", t, i, c.pid, false);
    },
  };
  return loadToolObject(object, (col) =>
    histMapSource(col, 4, (key, value): HistEntry => {
      const i = key.readUInt32LE(0);
      const func = targets[i]?.func ?? `#${i}`;
      return c.perFunc
        ? { key, value, order: i, head: `\nFunction = ${func}\n`, fields: { function: func } }
        : { key, value, order: 0, head: "", fields: {} };
    }),
  );
}
