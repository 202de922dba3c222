// The layouts drsnoop.bpf.c shares with user space: its read-only config and the
// ring-buffer record of one direct reclaim. Offsets by C's rules (records.ts:layout); the
// C structs must match (sizes checked at load).
import { cString, layout } from "../../sources/bpf/records.js";

export const CONFIG = layout("drsnoop_config", [
  ["tgid", "u32"],
  ["tid", "u32"],
]);

export const EVENT = layout("drsnoop_event", [
  ["ts", "u64"],
  ["delta_ns", "u64"],
  ["nr_reclaimed", "u64"],
  ["pid", "u32"],
  ["tid", "u32"],
  ["memcg", "u32"],
  ["pad", "u32"],
  ["comm", { array: "char", len: 16 }],
]);

/** Slots of the `lost` array map, and what each means. */
export const LOST_RING = 0;
export const LOST_START = 1;
export const LOST_WORDS = {
  ring: "reclaims lost: the ring buffer was full",
  start: "reclaims not timed: the map of reclaims in progress was full",
};

export interface DrsnoopConfig {
  /** Only this process; 0: every process. */
  pid: number;
  /** Only this thread; 0: every thread. */
  tid: number;
  /** Only the system's direct reclaim (libbpf-tools' view), not memory cgroups'. */
  globalOnly: boolean;
}

/** The bytes of `const volatile struct drsnoop_config cfg`. Pure. */
export function configBytes(c: DrsnoopConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.pid, CONFIG.off.tgid);
  b.writeUInt32LE(c.tid, CONFIG.off.tid);
  return b;
}

export interface Reclaim {
  /** CLOCK_MONOTONIC ns at its end. */
  ts: bigint;
  deltaNs: bigint;
  pages: number;
  pid: number;
  tid: number;
  /** "memcg": a memory cgroup at its limit; "global": the system short of memory. */
  kind: "global" | "memcg";
  comm: string;
}

/** One ring-buffer record. Pure. */
export function decodeEvent(buf: Buffer, off: number): Reclaim {
  const o = EVENT.off;
  return {
    ts: buf.readBigUInt64LE(off + o.ts),
    deltaNs: buf.readBigUInt64LE(off + o.delta_ns),
    pages: Number(buf.readBigUInt64LE(off + o.nr_reclaimed)),
    pid: buf.readUInt32LE(off + o.pid),
    tid: buf.readUInt32LE(off + o.tid),
    kind: buf.readUInt32LE(off + o.memcg) ? "memcg" : "global",
    comm: cString(buf, off + o.comm, 16),
  };
}
