// The layouts javagc.bpf.c shares with user space: its read-only config and the record of
// one collection; the probes it attaches, in the order of their attach cookies. Offsets by
// C's rules (records.ts:layout); the C structs must match (sizes checked at load).
import { recordLayout } from "../../sources/bpf/record-decode.js";
import { layout } from "../../sources/bpf/records.js";

/** HotSpot's USDT probes (provider `hotspot`), in the order of their cookies in javagc.bpf.c. */
export const PROBES = ["gc__begin", "gc__end", "mem__pool__gc__begin", "mem__pool__gc__end"] as const;

export const CONFIG = layout("javagc_config", [["min_ns", "u64"]]);

export const EVENT = recordLayout("javagc_event", [
  ["ts", "u64"],
  ["gc_ns", "u64"],
  ["cpu", "u32"],
  ["pid", "u32"],
  ["tid", "u32"],
  ["pools_only", "u32"],
]);

/** Slots of the `lost` array map (lib/syscall-pair.bpf.h), and what each means. */
export { LOST_RING, LOST_START } from "../syscall-pair.js";
export const LOST_WORDS = {
  ring: "collections lost: the ring buffer was full",
  start: "collections not timed: the map of collections in progress was full",
};

/** The config: collections longer than `minUs` µs (libbpf-tools' -t). */
export function configBytes(minUs: number): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeBigUInt64LE(BigInt(minUs) * 1000n, CONFIG.off.min_ns);
  return b;
}

/** One collection: `ts` CLOCK_MONOTONIC ns at its end, `gc_ns` its length, `pools_only` 1 when
 * timed between memory-pool probes (no gc__begin around it). */
export type Collection = ReturnType<typeof EVENT.decode>;
