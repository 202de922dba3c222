// The layouts biolatency.bpf.c shares with user space: its read-only config and the key of
// its `hists` map (the value is hist-tool.ts's LOG_HIST), and what the key's numbers mean
// (a disk's dev_t, tsnap's fixed op and flag numbers). Offsets by C's rules
// (records.ts:layout); the C structs in biolatency.bpf.c must match (sizes checked at load).
import { layout } from "../../sources/bpf/records.js";

export const CONFIG = layout("biolatency_config", [
  ["dev", "u32"],
  ["queued", "u8"],
  ["per_disk", "u8"],
  ["per_flag", "u8"],
  ["ms", "u8"],
  ["filter_cg", "u8"],
  ["pad", { array: "u8", len: 3 }],
]);

export const KEY = layout("biolatency_key", [
  ["dev", "u32"],
  ["flags", "u32"],
]);

/** Slots of the `lost` array map. */
export const LOST_WORDS = {
  start: "I/Os not timed: the map of issued requests was full",
  hist: "I/Os not counted: the map of histograms was full",
};

export interface BiolatencyConfig {
  /** The kernel's dev_t of the one disk to trace, 0 for every disk. */
  dev: number;
  queued: boolean;
  perDisk: boolean;
  perFlag: boolean;
  ms: boolean;
  /** A cgroup v2 directory: only I/O started by tasks under it. */
  cgroup?: string;
}

/** The bytes of `const volatile struct biolatency_config cfg`. Pure. */
export function configBytes(c: BiolatencyConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.dev, CONFIG.off.dev);
  b.writeUInt8(c.queued ? 1 : 0, CONFIG.off.queued);
  b.writeUInt8(c.perDisk ? 1 : 0, CONFIG.off.per_disk);
  b.writeUInt8(c.perFlag ? 1 : 0, CONFIG.off.per_flag);
  b.writeUInt8(c.ms ? 1 : 0, CONFIG.off.ms);
  b.writeUInt8(c.cgroup ? 1 : 0, CONFIG.off.filter_cg);
  return b;
}

export { FLAG_NAMES, flagsText, mkdev, OP_NAMES } from "../block-devices.js";
