// The layouts exitsnoop.bpf.c shares with user space: its read-only config and the
// ring-buffer record of one exit. Offsets by C's rules (records.ts:layout); the C structs
// must match (sizes checked at load).
import { cString, layout } from "../../sources/bpf/records.js";

export const CONFIG = layout("exitsnoop_config", [
  ["tgid", "u32"],
  ["threaded", "u8"],
  ["failed", "u8"],
  ["filter_cg", "u8"],
  ["pad", "u8"],
]);

export const EVENT = layout("exitsnoop_event", [
  ["start_ns", "u64"],
  ["exit_ns", "u64"],
  ["pid", "u32"],
  ["tid", "u32"],
  ["ppid", "u32"],
  ["exit_code", "u32"],
  ["comm", { array: "char", len: 16 }],
]);

export const LOST_WORDS = { ring: "exits lost: the ring buffer was full" };

export interface ExitsnoopConfig {
  /** Only this process; 0: every process. */
  pid: number;
  /** Every thread's exit (-T), not only the main thread's. */
  threaded: boolean;
  failed: boolean;
  /** A cgroup v2 directory: only tasks under it. */
  cgroup?: string;
}

/** The bytes of `const volatile struct exitsnoop_config cfg`. Pure. */
export function configBytes(c: ExitsnoopConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.pid, CONFIG.off.tgid);
  b.writeUInt8(c.threaded ? 1 : 0, CONFIG.off.threaded);
  b.writeUInt8(c.failed ? 1 : 0, CONFIG.off.failed);
  b.writeUInt8(c.cgroup ? 1 : 0, CONFIG.off.filter_cg);
  return b;
}

export interface ExitEvent {
  /** CLOCK_MONOTONIC ns at the exit. */
  ts: bigint;
  /** Seconds from the task's start to its exit. */
  ageS: number;
  pid: number;
  tid: number;
  ppid: number;
  /** exit(2)'s code (0 when a signal ended it). */
  code: number;
  /** The fatal signal, 0 for none. */
  signal: number;
  coreDumped: boolean;
  comm: string;
}

/** One ring-buffer record. Pure. */
export function decodeEvent(buf: Buffer, off: number): ExitEvent {
  const o = EVENT.off;
  const start = buf.readBigUInt64LE(off + o.start_ns);
  const ts = buf.readBigUInt64LE(off + o.exit_ns);
  const status = buf.readUInt32LE(off + o.exit_code);
  return {
    ts,
    ageS: Number(ts - start) / 1e9,
    pid: buf.readUInt32LE(off + o.pid),
    tid: buf.readUInt32LE(off + o.tid),
    ppid: buf.readUInt32LE(off + o.ppid),
    code: (status >> 8) & 0xff,
    signal: status & 0x7f,
    coreDumped: (status & 0x80) !== 0,
    comm: cString(buf, off + o.comm, 16),
  };
}
