// The layouts execsnoop.bpf.c shares with user space: its read-only config and the
// ring-buffer record of one exec (its args: NUL-terminated strings, the path first).
// Offsets by C's rules (records.ts:layout); the C structs must match (sizes checked at load).
import { cString, layout } from "../../sources/bpf/records.js";

export const TOTAL_MAX_ARGS = 60;

export const CONFIG = layout("execsnoop_config", [
  ["uid", "u32"],
  ["max_args", "u32"],
  ["filter_uid", "u8"],
  ["failed", "u8"],
  ["filter_cg", "u8"],
  ["pad", "u8"],
]);

export const EVENT_HEAD = layout("execsnoop_event", [
  ["ts", "u64"],
  ["pid", "u32"],
  ["ppid", "u32"],
  ["uid", "u32"],
  ["retval", "s32"],
  ["args_count", "u32"],
  ["args_size", "u32"],
  ["comm", { array: "char", len: 16 }],
]);

/** Slots of the `lost` array map. */
export const LOST_RING = 0;
export const LOST_START = 1;
/** What each lost counter means (snoop-tool.ts prints "WARNING: N <words>"). */
export const LOST_WORDS = {
  ring: "execs lost: the ring buffer was full",
  start: "execs lost: the map of execs in progress was full",
};

export interface ExecsnoopConfig {
  /** Only this uid; undefined: every uid. */
  uid?: number;
  maxArgs: number;
  failed: boolean;
  /** A cgroup v2 directory: only tasks under it. */
  cgroup?: string;
}

/** The bytes of `const volatile struct execsnoop_config cfg`. Pure. */
export function configBytes(c: ExecsnoopConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.uid ?? 0, CONFIG.off.uid);
  b.writeUInt32LE(c.maxArgs, CONFIG.off.max_args);
  b.writeUInt8(c.uid === undefined ? 0 : 1, CONFIG.off.filter_uid);
  b.writeUInt8(c.failed ? 1 : 0, CONFIG.off.failed);
  b.writeUInt8(c.cgroup ? 1 : 0, CONFIG.off.filter_cg);
  return b;
}

export interface ExecEvent {
  /** CLOCK_MONOTONIC ns at the exec's return. */
  ts: bigint;
  pid: number;
  ppid: number;
  uid: number;
  ret: number;
  comm: string;
  /** The path, then the arguments after argv[0]. */
  args: string[];
  /** More arguments than were copied. */
  truncated: boolean;
}

/** One ring-buffer record. Pure. */
export function decodeEvent(buf: Buffer, off: number, len: number): ExecEvent {
  const o = EVENT_HEAD.off;
  const size = Math.min(buf.readUInt32LE(off + o.args_size), len - EVENT_HEAD.size);
  const count = buf.readUInt32LE(off + o.args_count);
  const start = off + EVENT_HEAD.size;
  const args = size > 0 ? buf.toString("utf8", start, start + size).split("\0") : [];
  if (args.length && args[args.length - 1] === "") args.pop();
  return {
    ts: buf.readBigUInt64LE(off + o.ts),
    pid: buf.readUInt32LE(off + o.pid),
    ppid: buf.readUInt32LE(off + o.ppid),
    uid: buf.readUInt32LE(off + o.uid),
    ret: buf.readInt32LE(off + o.retval),
    comm: cString(buf, off + o.comm, 16),
    args,
    truncated: count > args.length,
  };
}
