// The layouts klockstat.bpf.c shares with user space: its read-only config and the key
// and value of its `stats` map. Offsets by C's rules (records.ts:layout); the C structs
// must match (sizes checked at load).
import { cString, layout } from "../../sources/bpf/records.js";

export const CONFIG = layout("klockstat_config", [
  ["lock", "u64"],
  ["tgid", "u32"],
  ["tid", "u32"],
  ["by", "u8"],
  ["pad", { array: "u8", len: 7 }],
]);

export const KEY = layout("klockstat_key", [
  ["stack_id", "s32"],
  ["tid", "u32"],
  ["lock", "u64"],
]);

export const STAT = layout("klockstat_stat", [
  ["count", "u64"],
  ["total_ns", "u64"],
  ["max_ns", "u64"],
  ["max_id", "u64"],
  ["max_lock", "u64"],
  ["flags", "u32"],
  ["pad", "u32"],
  ["max_comm", { array: "char", len: 16 }],
]);

/** Slots of the `lost` array map, and what each means. */
export const LOST_WORDS = {
  start: "waits not timed: the map of waits in progress was full",
  stat: "waits not counted: the map of rows was full",
  stack: "waits counted without a caller: the stack map was full",
};

/** What a row is: a caller stack (libbpf-tools' default), a lock address, a thread (-P). */
export type By = "caller" | "lock" | "thread";
const BY_CODE: Record<By, number> = { caller: 0, lock: 1, thread: 2 };

export interface KlockstatConfig {
  /** Only this lock address; 0n: every lock. */
  lock: bigint;
  /** Only this process / thread; 0: all. */
  pid: number;
  tid: number;
  by: By;
}

/** The bytes of `const volatile struct klockstat_config cfg`. Pure. */
export function configBytes(c: KlockstatConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeBigUInt64LE(c.lock, CONFIG.off.lock);
  b.writeUInt32LE(c.pid, CONFIG.off.tgid);
  b.writeUInt32LE(c.tid, CONFIG.off.tid);
  b.writeUInt8(BY_CODE[c.by], CONFIG.off.by);
  return b;
}

/** One row of `stats`, cumulative since attach (or since the last -R reset). */
export interface LockStat {
  stackId: number;
  tid: number;
  lock: bigint;
  count: number;
  totalNs: number;
  maxNs: number;
  maxPid: number;
  maxTid: number;
  maxLock: bigint;
  /** The kinds of lock waited for (LCB_F_* bits, or'ed). */
  flags: number;
  maxComm: string;
}

/** One entry of the `stats` map. Pure. */
export function decodeStat(key: Buffer, value: Buffer): LockStat {
  const id = value.readBigUInt64LE(STAT.off.max_id);
  return {
    stackId: key.readInt32LE(KEY.off.stack_id),
    tid: key.readUInt32LE(KEY.off.tid),
    lock: key.readBigUInt64LE(KEY.off.lock),
    count: Number(value.readBigUInt64LE(STAT.off.count)),
    totalNs: Number(value.readBigUInt64LE(STAT.off.total_ns)),
    maxNs: Number(value.readBigUInt64LE(STAT.off.max_ns)),
    maxPid: Number(id >> 32n),
    maxTid: Number(id & 0xffffffffn),
    maxLock: value.readBigUInt64LE(STAT.off.max_lock),
    flags: value.readUInt32LE(STAT.off.flags),
    maxComm: cString(value, STAT.off.max_comm, 16),
  };
}

/** The kernel's LCB_F_* names (include/trace/events/lock.h), low bit first. */
const LOCK_KINDS = ["SPIN", "READ", "WRITE", "RT", "PERCPU", "MUTEX"] as const;

/** "MUTEX", "WRITE", "SPIN|READ": the kinds of a flags word, as the tracepoint prints them. Pure. */
export function lockKinds(flags: number): string {
  const names = LOCK_KINDS.filter((_, i) => flags & (1 << i));
  // A plain rwsem or rwlock wait says READ or WRITE; no bit at all is a plain rwsem/mutex path.
  return names.length ? names.join("|") : "-";
}
