// The layout cpudist.bpf.c shares with user space: its read-only config (the `hists` map's
// key is a u32: tgid, tid or 0xffffffff; its value is hist-tool.ts's LOG_HIST). Offsets by
// C's rules (records.ts:layout); sizes checked at load.
import { layout } from "../../sources/bpf/records.js";

export const CONFIG = layout("cpudist_config", [
  ["tgid", "u32"],
  ["per_process", "u8"],
  ["per_thread", "u8"],
  ["offcpu", "u8"],
  ["ms", "u8"],
  ["filter_cg", "u8"],
  ["pad", { array: "u8", len: 3 }],
]);

/** Slots of the `lost` array map. */
export const LOST_WORDS = {
  start: "intervals not timed: the map of switch times was full",
  hist: "intervals not counted: the map of histograms was full",
};

export interface CpudistConfig {
  /** tgid, 0 for every process */
  pid: number;
  key: "none" | "pid" | "tid";
  offcpu: boolean;
  ms: boolean;
  /** A cgroup v2 directory: only while tasks under it run. */
  cgroup?: string;
}

/** The bytes of `const volatile struct cpudist_config cfg`. Pure. */
export function configBytes(c: CpudistConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.pid, CONFIG.off.tgid);
  b.writeUInt8(c.key === "pid" ? 1 : 0, CONFIG.off.per_process);
  b.writeUInt8(c.key === "tid" ? 1 : 0, CONFIG.off.per_thread);
  b.writeUInt8(c.offcpu ? 1 : 0, CONFIG.off.offcpu);
  b.writeUInt8(c.ms ? 1 : 0, CONFIG.off.ms);
  b.writeUInt8(c.cgroup ? 1 : 0, CONFIG.off.filter_cg);
  return b;
}
