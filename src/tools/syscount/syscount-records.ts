// The layouts syscount.bpf.c shares with user space: its read-only config and the value of
// its `data` map (key: a u32 syscall number, or a tgid with -P). Offsets by C's rules
// (records.ts:layout); the C structs in syscount.bpf.c must match (sizes checked at load).
import { cString, layout } from "../../sources/bpf/records.js";

export const CONFIG = layout("syscount_config", [
  ["filter_pid", "u32"],
  ["filter_errno", "s32"],
  ["count_by_process", "u8"],
  ["measure_latency", "u8"],
  ["filter_failed", "u8"],
  ["pad", "u8"],
]);

export const VALUE = layout("syscount_value", [
  ["count", "u64"],
  ["total_ns", "u64"],
  ["comm", { array: "char", len: 16 }],
]);

export interface SyscountConfig {
  /** tgid, 0 for every process */
  pid: number;
  /** count only syscalls that returned -errno; 0 for any */
  errno: number;
  byProcess: boolean;
  latency: boolean;
  failedOnly: boolean;
}

/** The bytes of `const volatile struct syscount_config cfg`. Pure. */
export function configBytes(c: SyscountConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.pid, CONFIG.off.filter_pid);
  b.writeInt32LE(c.errno, CONFIG.off.filter_errno);
  b.writeUInt8(c.byProcess ? 1 : 0, CONFIG.off.count_by_process);
  b.writeUInt8(c.latency ? 1 : 0, CONFIG.off.measure_latency);
  b.writeUInt8(c.failedOnly ? 1 : 0, CONFIG.off.filter_failed);
  return b;
}

/** One entry of the `data` map: cumulative since attach. */
export interface Counter {
  key: number;
  count: bigint;
  totalNs: bigint;
  /** The process's name when keyed by process, else "". */
  comm: string;
}

export function decodeCounter(key: Buffer, value: Buffer): Counter {
  return {
    key: key.readUInt32LE(0),
    count: value.readBigUInt64LE(VALUE.off.count),
    totalNs: value.readBigUInt64LE(VALUE.off.total_ns),
    comm: cString(value, VALUE.off.comm, 16),
  };
}
