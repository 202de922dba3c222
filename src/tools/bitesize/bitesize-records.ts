// The layouts bitesize.bpf.c shares with user space: its read-only config and the key of
// its `hists` map (a process name; the value is hist-tool.ts's LOG_HIST). Offsets by C's
// rules (records.ts:layout); the C structs must match (sizes checked at load).
import { UsageError } from "../../errors.js";
import { layout } from "../../sources/bpf/records.js";

export const CONFIG = layout("bitesize_config", [
  ["comm", { array: "char", len: 16 }],
  ["dev", "u32"],
]);

export const KEY = layout("bitesize_key", [["comm", { array: "char", len: 16 }]]);

export const LOST_WORDS = { hist: "I/Os not counted: the map of histograms was full" };

export interface BitesizeConfig {
  /** Only tasks whose name starts with this; undefined: every task. */
  comm?: string;
  /** The kernel's dev_t of the one disk to trace, 0 for every disk. */
  dev: number;
}

/** The bytes of `const volatile struct bitesize_config cfg`. Pure. */
export function configBytes(c: BitesizeConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  if (c.comm !== undefined) {
    const name = Buffer.from(c.comm, "utf8");
    if (name.length > 15) throw new UsageError(`-c: a process name has at most 15 bytes, got '${c.comm}'`);
    name.copy(b, CONFIG.off.comm);
  }
  b.writeUInt32LE(c.dev, CONFIG.off.dev);
  return b;
}
