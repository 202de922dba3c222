// The layouts biostacks.bpf.c shares with user space: its read-only config and the key
// and value of its `hists` map. Offsets by C's rules (records.ts:layout); the C structs
// must match (sizes checked at load); the decoder is derived from the layouts.
import { recordLayout } from "../../sources/bpf/record-decode.js";
import { layout } from "../../sources/bpf/records.js";

/** Slots of each histogram (lib/hist.bpf.h HIST_SLOTS). */
export const SLOTS = 32;

export const CONFIG = layout("biostacks_config", [
  ["dev", "u32"],
  ["ms", "u8"],
  ["pad", { array: "u8", len: 3 }],
]);

export const KEY = recordLayout("biostacks_key", [
  ["pid", "u32"],
  ["dev", "u32"],
  ["kstack", "s32"],
  ["comm", { array: "char", len: 16 }],
]);

export const VALUE = recordLayout("biostacks_value", [["slots", { array: "u64", len: SLOTS }]]);

export const LOST_WORDS = {
  start: "I/Os not timed: the map of requests in flight was full",
  hists: "I/Os not counted: the map of stacks was full",
};

export interface BiostacksConfig {
  /** The kernel's dev_t of the one disk to trace, 0 for every disk. */
  dev: number;
  /** Histograms in ms (-m), else µs. */
  ms: boolean;
}

/** The bytes of `const volatile struct biostacks_config cfg`. Pure. */
export function configBytes(c: BiostacksConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.dev, CONFIG.off.dev);
  b.writeUInt8(c.ms ? 1 : 0, CONFIG.off.ms);
  return b;
}

/** One (process, disk, init stack) histogram. */
export interface StackHist {
  pid: number;
  comm: string;
  dev: number;
  /** Stack id in `stackmap`; negative: not taken. */
  kstack: number;
  counts: number[];
}

/** One entry of the `hists` map. Pure. */
export function decodeHist(key: Buffer, value: Buffer): StackHist {
  return { ...KEY.decode(key, 0), counts: VALUE.decode(value, 0).slots };
}
