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

/** The kernel's dev_t (MKDEV: major << 20 | minor). */
export const mkdev = (major: number, minor: number): number => ((major << 20) | minor) >>> 0;

/** Flag bits 8.. of a key's flags, in the order libbpf-tools prints them. */
export const FLAG_NAMES = [
  "NoWait",
  "Background",
  "ReadAhead",
  "PreFlush",
  "FUA",
  "Integrity",
  "Idle",
  "NoMerge",
  "Priority",
  "Metadata",
  "Sync",
] as const;

/** The op in a key's low 8 bits (0xff: an op this list does not know). */
export const OP_NAMES = [
  "Read",
  "Write",
  "Flush",
  "Discard",
  "SecureErase",
  "ZoneAppend",
  "WriteZeroes",
  "ZoneOpen",
  "ZoneClose",
  "ZoneFinish",
  "ZoneReset",
  "ZoneResetAll",
  "DrvIn",
  "DrvOut",
] as const;

/** "Sync-Write", as libbpf-tools' `flags = ` line. Pure. */
export function flagsText(flags: number): string {
  const set = FLAG_NAMES.filter((_, i) => flags & (1 << (8 + i))).map((f) => `${f}-`);
  return set.join("") + (OP_NAMES[flags & 0xff] ?? "Unknown");
}
