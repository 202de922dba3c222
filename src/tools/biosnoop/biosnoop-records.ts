// The layouts biosnoop.bpf.c shares with user space: its read-only config and the
// ring-buffer record of one completed I/O. Offsets by C's rules (records.ts:layout); the
// C structs must match (sizes checked at load).
import { cString, layout } from "../../sources/bpf/records.js";

export const CONFIG = layout("biosnoop_config", [
  ["dev", "u32"],
  ["queued", "u8"],
  ["filter_cg", "u8"],
  ["pad", { array: "u8", len: 2 }],
]);

export const EVENT = layout("biosnoop_event", [
  ["ts", "u64"],
  ["sector", "u64"],
  ["delta_ns", "u64"],
  ["qdelta_ns", "s64"],
  ["pid", "u32"],
  ["dev", "u32"],
  ["len", "u32"],
  ["flags", "u32"],
  ["comm", { array: "char", len: 16 }],
]);

/** Slots of the `lost` array map, and what each means. */
export const LOST_RING = 0;
export const LOST_START = 1;
export const LOST_WORDS = {
  ring: "I/Os lost: the ring buffer was full",
  start: "I/Os lost: the map of requests in flight was full",
};

export interface BiosnoopConfig {
  /** The kernel's dev_t of the one disk to trace, 0 for every disk. */
  dev: number;
  queued: boolean;
  /** A cgroup v2 directory: only I/O submitted by tasks under it. */
  cgroup?: string;
}

/** The bytes of `const volatile struct biosnoop_config cfg`. Pure. */
export function configBytes(c: BiosnoopConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.dev, CONFIG.off.dev);
  b.writeUInt8(c.queued ? 1 : 0, CONFIG.off.queued);
  b.writeUInt8(c.cgroup ? 1 : 0, CONFIG.off.filter_cg);
  return b;
}

export interface IoEvent {
  /** CLOCK_MONOTONIC ns at the completion. */
  ts: bigint;
  sector: bigint;
  /** Issue to completion. */
  deltaNs: number;
  /** Insertion to issue; -1 when not inserted in an OS queue (or without -Q). */
  qdeltaNs: number;
  pid: number;
  dev: number;
  bytes: number;
  /** lib/blk.bpf.h rq_flags (block-devices.ts names them). */
  flags: number;
  comm: string;
}

/** One ring-buffer record. Pure. */
export function decodeEvent(buf: Buffer, off: number): IoEvent {
  const o = EVENT.off;
  return {
    ts: buf.readBigUInt64LE(off + o.ts),
    sector: buf.readBigUInt64LE(off + o.sector),
    deltaNs: Number(buf.readBigUInt64LE(off + o.delta_ns)),
    qdeltaNs: Number(buf.readBigInt64LE(off + o.qdelta_ns)),
    pid: buf.readUInt32LE(off + o.pid),
    dev: buf.readUInt32LE(off + o.dev),
    bytes: buf.readUInt32LE(off + o.len),
    flags: buf.readUInt32LE(off + o.flags),
    comm: cString(buf, off + o.comm, 16),
  };
}
