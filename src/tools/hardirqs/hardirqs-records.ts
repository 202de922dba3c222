// The layouts hardirqs.bpf.c shares with user space: its read-only config and the key of
// its `hists` map (a handler's name; the value is hist-tool.ts's LOG_HIST). Offsets by C's
// rules (records.ts:layout); the C structs must match (sizes checked at load).
import { layout } from "../../sources/bpf/records.js";

export const CONFIG = layout("hardirqs_config", [
  ["cpu", "s32"],
  ["ns", "u8"],
  ["filter_cg", "u8"],
  ["pad", { array: "u8", len: 2 }],
]);

export const KEY = layout("hardirqs_key", [["name", { array: "char", len: 32 }]]);

export const LOST_WORDS = { hist: "handler runs not counted: the map of handlers was full" };

export interface HardirqsConfig {
  /** Only this CPU; -1: every CPU. */
  cpu: number;
  ns: boolean;
  /** A cgroup v2 directory: only while a task under it is interrupted. */
  cgroup?: string;
}

/** The bytes of `const volatile struct hardirqs_config cfg`. Pure. */
export function configBytes(c: HardirqsConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeInt32LE(c.cpu, CONFIG.off.cpu);
  b.writeUInt8(c.ns ? 1 : 0, CONFIG.off.ns);
  b.writeUInt8(c.cgroup ? 1 : 0, CONFIG.off.filter_cg);
  return b;
}
