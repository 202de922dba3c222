// The layouts statsnoop.bpf.c shares with user space: its read-only config and the
// ring-buffer record of one call. Offsets by C's rules (records.ts:layout); the C structs
// must match (sizes checked at load); the decoder is derived from the layout.
import { namedDecoder, recordLayout } from "../../sources/bpf/record-decode.js";
import { layout } from "../../sources/bpf/records.js";
import { pairLostWords } from "../syscall-pair.js";

export const PATH_MAX_COPY = 256;

export const CONFIG = layout("statsnoop_config", [
  ["tgid", "u32"],
  ["failed", "u8"],
  ["pad", { array: "u8", len: 3 }],
]);

export const EVENT = recordLayout("statsnoop_event", [
  ["ts", "u64"],
  ["pid", "u32"],
  ["tid", "u32"],
  ["ret", "s32"],
  ["syscall", "u8"],
  ["pad", { array: "u8", len: 3 }],
  ["comm", { array: "char", len: 16 }],
  ["path", { array: "char", len: PATH_MAX_COPY }],
]);

/** What each slot of the `lost` counters means (lib/syscall-pair.bpf.h). */
export const LOST_WORDS = pairLostWords("calls");

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

/** One call: ts (CLOCK_MONOTONIC ns at its return), pid, tid, ret (0 or -errno), comm, path. */
export type StatEvent = ReturnType<typeof decodeEvent>;

/** One ring-buffer record. Pure. */
export const decodeEvent = namedDecoder(EVENT, "syscall", SYSCALLS, "newfstatat");
