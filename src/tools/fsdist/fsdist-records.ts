// The layouts fsdist.bpf.c shares with user space: its read-only config and the key of
// its `hists` map (the value is hist-tool.ts's LOG_HIST). Offsets by C's rules
// (records.ts:layout); the C structs must match (sizes checked at load).
import { cString, layout } from "../../sources/bpf/records.js";
import { FS_OPS, FSTYPE_LEN, fsTypeBytes } from "../fs-ops.js";

export const CONFIG = layout("fsdist_config", [
  ["tgid", "u32"],
  ["ms", "u8"],
  ["pad", { array: "u8", len: 3 }],
  ["fstype", { array: "char", len: FSTYPE_LEN }],
]);

export const KEY = layout("fsdist_key", [
  ["op", "u32"],
  ["fstype", { array: "char", len: FSTYPE_LEN }],
]);

/** What the `lost` counters mean. */
export const LOST_WORDS = {
  start: "operations not timed: the map of operations in progress was full",
  hist: "operations not counted: the map of histograms was full",
};

export interface FsdistConfig {
  /** Only this process; 0: every process. */
  pid: number;
  /** Only files of this filesystem type; undefined: every type. */
  fsType?: string;
  ms: boolean;
}

/** The bytes of `const volatile struct fsdist_config cfg`. Pure. */
export function configBytes(c: FsdistConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.pid, CONFIG.off.tgid);
  b.writeUInt8(c.ms ? 1 : 0, CONFIG.off.ms);
  fsTypeBytes(c.fsType).copy(b, CONFIG.off.fstype);
  return b;
}

/** A key of `hists`: the operation's name and the filesystem type. Pure. */
export function decodeKey(key: Buffer): { op: string; fstype: string } {
  return {
    op: FS_OPS[key.readUInt32LE(KEY.off.op)] ?? `op${key.readUInt32LE(KEY.off.op)}`,
    fstype: cString(key, KEY.off.fstype, FSTYPE_LEN),
  };
}
