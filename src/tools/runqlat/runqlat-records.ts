// The layout runqlat.bpf.c shares with user space: its read-only config (the `hists` map's
// key is a u32: tgid, tid, pid namespace or 0xffffffff; its value is hist-tool.ts's
// LOG_HIST). Offsets by C's rules (records.ts:layout); sizes checked at load.
import { layout } from "../../sources/bpf/records.js";

export const CONFIG = layout("runqlat_config", [
  ["tgid", "u32"],
  ["per_process", "u8"],
  ["per_thread", "u8"],
  ["per_pidns", "u8"],
  ["ms", "u8"],
  ["filter_cg", "u8"],
  ["pad", { array: "u8", len: 3 }],
]);

/** Slots of the `lost` array map. */
export const LOST_WORDS = {
  start: "wakeups not timed: the map of queued tasks was full",
  hist: "latencies not counted: the map of histograms was full",
};

export type RunqlatKey = "none" | "pid" | "tid" | "pidns";

export interface RunqlatConfig {
  /** tgid, 0 for every process */
  pid: number;
  key: RunqlatKey;
  ms: boolean;
  /** A cgroup v2 directory: only tasks under it. */
  cgroup?: string;
}

/** The bytes of `const volatile struct runqlat_config cfg`. Pure. */
export function configBytes(c: RunqlatConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.pid, CONFIG.off.tgid);
  b.writeUInt8(c.key === "pid" ? 1 : 0, CONFIG.off.per_process);
  b.writeUInt8(c.key === "tid" ? 1 : 0, CONFIG.off.per_thread);
  b.writeUInt8(c.key === "pidns" ? 1 : 0, CONFIG.off.per_pidns);
  b.writeUInt8(c.ms ? 1 : 0, CONFIG.off.ms);
  b.writeUInt8(c.cgroup ? 1 : 0, CONFIG.off.filter_cg);
  return b;
}
