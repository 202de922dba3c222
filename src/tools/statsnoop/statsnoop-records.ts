// The layouts statsnoop.bpf.c shares with user space: its read-only config and the
// ring-buffer record of one call. Offsets by C's rules (records.ts:layout); the C structs
// must match (sizes checked at load).
import { cString, layout } from "../../sources/bpf/records.js";

export const PATH_MAX_COPY = 256;

export const CONFIG = layout("statsnoop_config", [
  ["tgid", "u32"],
  ["failed", "u8"],
  ["pad", { array: "u8", len: 3 }],
]);

export const EVENT = layout("statsnoop_event", [
  ["ts", "u64"],
  ["pid", "u32"],
  ["tid", "u32"],
  ["ret", "s32"],
  ["syscall", "u8"],
  ["pad", { array: "u8", len: 3 }],
  ["comm", { array: "char", len: 16 }],
  ["path", { array: "char", len: PATH_MAX_COPY }],
]);

/** Slots of the `lost` array map, and what each means. */
export const LOST_RING = 0;
export const LOST_START = 1;
export const LOST_WORDS = {
  ring: "calls lost: the ring buffer was full",
  start: "calls lost: the map of calls in progress was full",
};

/** The syscalls traced, by their tracepoints' names, in the order of the record's index. */
export const SYSCALLS = ["statfs", "newstat", "newlstat", "newfstatat", "statx"] as const;

export interface StatsnoopConfig {
  /** Only this process; 0: every process. */
  pid: number;
  failed: boolean;
}

/** The bytes of `const volatile struct statsnoop_config cfg`. Pure. */
export function configBytes(c: StatsnoopConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.pid, CONFIG.off.tgid);
  b.writeUInt8(c.failed ? 1 : 0, CONFIG.off.failed);
  return b;
}

export interface StatEvent {
  /** CLOCK_MONOTONIC ns at the call's return. */
  ts: bigint;
  pid: number;
  tid: number;
  /** 0 or -errno. */
  ret: number;
  syscall: (typeof SYSCALLS)[number];
  comm: string;
  path: string;
}

/** One ring-buffer record. Pure. */
export function decodeEvent(buf: Buffer, off: number): StatEvent {
  const o = EVENT.off;
  return {
    ts: buf.readBigUInt64LE(off + o.ts),
    pid: buf.readUInt32LE(off + o.pid),
    tid: buf.readUInt32LE(off + o.tid),
    ret: buf.readInt32LE(off + o.ret),
    syscall: SYSCALLS[buf.readUInt8(off + o.syscall)] ?? "newfstatat",
    comm: cString(buf, off + o.comm, 16),
    path: cString(buf, off + o.path, PATH_MAX_COPY),
  };
}
