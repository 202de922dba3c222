// The layouts sigsnoop.bpf.c shares with user space (sigsnoop and killsnoop load the same
// object): its read-only config and the ring-buffer record of one signal. Offsets by C's
// rules (records.ts:layout); the C structs must match (sizes checked at load); the decoder
// is derived from the layout.
import { UsageError } from "../../errors.js";
import { namedDecoder, recordLayout } from "../../sources/bpf/record-decode.js";
import { layout } from "../../sources/bpf/records.js";

export const CONFIG = layout("sigsnoop_config", [
  ["sig_mask", "u64"],
  ["tgid", "u32"],
  ["failed", "u8"],
  ["pad", { array: "u8", len: 3 }],
]);

export const EVENT = recordLayout("sigsnoop_event", [
  ["ts", "u64"],
  ["pid", "u32"],
  ["tid", "u32"],
  ["tpid", "s32"],
  ["sig", "s32"],
  ["ret", "s32"],
  ["syscall", "u8"],
  ["pad", { array: "u8", len: 3 }],
  ["comm", { array: "char", len: 16 }],
]);

/** Slots of the `lost` array map, and what each means. */
export const LOST_RING = 0;
export const LOST_START = 1;
export const LOST_WORDS = {
  ring: "signals lost: the ring buffer was full",
  start: "kill calls lost: the map of calls in progress was full",
};

/** The record's `syscall`: where the signal was seen. */
export const SOURCES = ["signal_generate", "kill", "tkill", "tgkill"] as const;
/** The kill-family syscalls of -k (killsnoop), in the program names' spelling. */
export const KILL_SYSCALLS = ["kill", "tkill", "tgkill"] as const;

export interface SigsnoopConfig {
  /** Only this sending process; 0: every process. */
  pid: number;
  /** Only these signals; empty: every signal. */
  signals: readonly number[];
  failed: boolean;
}

/** The bytes of `const volatile struct sigsnoop_config cfg`. Pure. */
export function configBytes(c: SigsnoopConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  let mask = 0n;
  for (const s of c.signals) mask |= 1n << BigInt(s - 1);
  b.writeBigUInt64LE(mask, CONFIG.off.sig_mask);
  b.writeUInt32LE(c.pid, CONFIG.off.tgid);
  b.writeUInt8(c.failed ? 1 : 0, CONFIG.off.failed);
  return b;
}

/** -s 1,9,15 (repeatable): signal numbers 1..64. Pure. */
export function parseSignals(texts: readonly string[]): number[] {
  const out: number[] = [];
  for (const t of texts.flatMap((x) => x.split(","))) {
    const n = Number(t);
    if (t.trim() === "" || !Number.isInteger(n) || n < 1 || n > 64)
      throw new UsageError(`-s must be signal numbers from 1 to 64, got '${t}'`);
    out.push(n);
  }
  return out;
}

export interface SignalEvent {
  /** CLOCK_MONOTONIC ns: the generation, or the kill call's return. */
  ts: bigint;
  pid: number;
  tid: number;
  /** The target: a process for kill (0, -1 and -PGID as kill(2) takes them), a thread otherwise. */
  tpid: number;
  sig: number;
  /** The kill call's return (0 or -errno), or signal_generate's errno (0 when generated). */
  ret: number;
  source: (typeof SOURCES)[number];
  comm: string;
}

const decodeRecord = namedDecoder(EVENT, "syscall", SOURCES, "signal_generate");

/** One ring-buffer record. Pure. */
export function decodeEvent(buf: Buffer, off: number): SignalEvent {
  const { syscall, ...e } = decodeRecord(buf, off);
  return { ...e, source: syscall };
}
