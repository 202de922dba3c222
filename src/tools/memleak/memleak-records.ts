// The layouts memleak.bpf.c shares with user space (its _Static_asserts check the sizes):
// the read-only config, an outstanding allocation, a stack's sums, a -t record; the
// allocators in the order of their attach cookies. Offsets by C's rules (records.ts:layout).
import { layout } from "../../sources/bpf/records.js";

export const MEMLEAK_CONFIG = layout("memleak_config", [
  ["min_size", "u64"],
  ["max_size", "u64"],
  ["page_size", "u64"],
  ["sample_rate", "u64"],
  ["tgid", "u32"],
  ["kernel", "u8"],
  ["trace_all", "u8"],
  ["wait_exec", "u8"],
  ["pad", "u8"],
]);

export const MEMLEAK_ALLOC = layout("alloc_info", [
  ["size", "u64"],
  ["timestamp_ns", "u64"],
  ["stack_id", "s32"],
  ["pad", "u32"],
]);

export const MEMLEAK_COMBINED = layout("combined_alloc_info", [
  ["total_size", "u64"],
  ["number_of_allocs", "u64"],
]);

export const MEMLEAK_EVENT = layout("memleak_event", [
  ["ts", "u64"],
  ["addr", "u64"],
  ["size", "u64"],
  ["pid", "u32"],
  ["tid", "u32"],
  ["kind", "u32"],
  ["stack_id", "s32"],
]);

/** The allocators probed at entry and return, in the order of memleak.bpf.c's cookie enum. */
export const ALLOCATORS = [
  "malloc",
  "calloc",
  "realloc",
  "posix_memalign",
  "aligned_alloc",
  "valloc",
  "memalign",
  "pvalloc",
  "mmap",
] as const;

/** The functions that free (the address is their first argument). */
export const FREERS = ["free", "munmap"] as const;

/** Slots of the `lost` counter array. */
export const LOST_TRACE = 0;
export const LOST_ALLOCS = 1;

export interface MemleakConfig {
  minSize: number;
  maxSize: number;
  pageSize: number;
  sampleRate: number;
  /** User mode: the process (0: kernel mode). */
  tgid: number;
  kernel: boolean;
  traceAll: boolean;
  /** -c: count only once the process has exec'd its command. */
  waitExec: boolean;
}

export function configBytes(c: MemleakConfig): Buffer {
  const o = MEMLEAK_CONFIG.off;
  const b = Buffer.alloc(MEMLEAK_CONFIG.size);
  b.writeBigUInt64LE(BigInt(c.minSize), o.min_size);
  b.writeBigUInt64LE(c.maxSize === Infinity ? 0xffff_ffff_ffff_ffffn : BigInt(c.maxSize), o.max_size);
  b.writeBigUInt64LE(BigInt(c.pageSize), o.page_size);
  b.writeBigUInt64LE(BigInt(c.sampleRate), o.sample_rate);
  b.writeUInt32LE(c.tgid, o.tgid);
  b[o.kernel] = c.kernel ? 1 : 0;
  b[o.trace_all] = c.traceAll ? 1 : 0;
  b[o.wait_exec] = c.waitExec ? 1 : 0;
  return b;
}

/** A `combined_allocs` entry (key: the stack id as u64). Pure. */
export function decodeCombined(
  key: Buffer,
  value: Buffer,
): { stackId: number; bytes: number; count: number } {
  const o = MEMLEAK_COMBINED.off;
  return {
    stackId: key.readInt32LE(0),
    bytes: Number(value.readBigInt64LE(o.total_size)),
    count: Number(value.readBigInt64LE(o.number_of_allocs)),
  };
}

export interface TraceEvent {
  ts: bigint;
  addr: bigint;
  size: number;
  pid: number;
  tid: number;
  kind: "alloc" | "free";
  stackId: number;
}

/** A -t ring record. Pure. */
export function decodeEvent(buf: Buffer, off: number): TraceEvent {
  const o = MEMLEAK_EVENT.off;
  return {
    ts: buf.readBigUInt64LE(off + o.ts),
    addr: buf.readBigUInt64LE(off + o.addr),
    size: Number(buf.readBigUInt64LE(off + o.size)),
    pid: buf.readUInt32LE(off + o.pid),
    tid: buf.readUInt32LE(off + o.tid),
    kind: buf.readUInt32LE(off + o.kind) === 0 ? "alloc" : "free",
    stackId: buf.readInt32LE(off + o.stack_id),
  };
}
