// The layouts runqslower.bpf.c shares with user space: its read-only config and the
// ring-buffer record of one long wait. Offsets by C's rules (records.ts:layout); the C
// structs must match (sizes checked at load).
import { cString, layout } from "../../sources/bpf/records.js";

export const CONFIG = layout("runqslower_config", [
  ["min_ns", "u64"],
  ["tgid", "u32"],
  ["tid", "u32"],
]);

export const EVENT = layout("runqslower_event", [
  ["ts", "u64"],
  ["wait_ns", "u64"],
  ["pid", "u32"],
  ["tid", "u32"],
  ["prev_tid", "u32"],
  ["cpu", "u32"],
  ["comm", { array: "char", len: 16 }],
  ["prev_comm", { array: "char", len: 16 }],
]);

/** Slots of the `lost` array map. */
export const LOST = { ring: 0, start: 1 };

export const LOST_WORDS = {
  ring: "waits not reported: the ring buffer was full",
  start: "wakeups not timed: the map of queued tasks was full",
};

export interface RunqslowerConfig {
  /** Only waits of at least this many µs. */
  minUs: number;
  /** Only this process; 0: every process. */
  pid: number;
  /** Only this thread; 0: every thread. */
  tid: number;
}

/** The bytes of `const volatile struct runqslower_config cfg`. Pure. */
export function configBytes(c: RunqslowerConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeBigUInt64LE(BigInt(c.minUs) * 1000n, CONFIG.off.min_ns);
  b.writeUInt32LE(c.pid, CONFIG.off.tgid);
  b.writeUInt32LE(c.tid, CONFIG.off.tid);
  return b;
}

export interface SlowWait {
  /** CLOCK_MONOTONIC ns when the task got its CPU. */
  ts: bigint;
  waitNs: number;
  pid: number;
  tid: number;
  comm: string;
  prevTid: number;
  prevComm: string;
  cpu: number;
}

/** One ring-buffer record. Pure. */
export function decodeEvent(buf: Buffer, off: number): SlowWait {
  const o = EVENT.off;
  return {
    ts: buf.readBigUInt64LE(off + o.ts),
    waitNs: Number(buf.readBigUInt64LE(off + o.wait_ns)),
    pid: buf.readUInt32LE(off + o.pid),
    tid: buf.readUInt32LE(off + o.tid),
    comm: cString(buf, off + o.comm, 16),
    prevTid: buf.readUInt32LE(off + o.prev_tid),
    prevComm: cString(buf, off + o.prev_comm, 16),
    cpu: buf.readUInt32LE(off + o.cpu),
  };
}
