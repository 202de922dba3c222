// The layouts slabratetop.bpf.c shares with user space: its read-only config and the key
// and value of its `caches` map. Offsets by C's rules (records.ts:layout); the C structs
// must match (sizes checked at load); the decoder is derived from the layouts.
import { recordLayout } from "../../sources/bpf/record-decode.js";
import { layout } from "../../sources/bpf/records.js";

export const CONFIG = layout("slabratetop_config", [
  ["tgid", "u32"],
  ["pad", "u32"],
]);

export const KEY = recordLayout("slabratetop_key", [["name", { array: "char", len: 32 }]]);

export const VALUE = recordLayout("slabratetop_value", [
  ["count", "u64"],
  ["bytes", "u64"],
]);

export const LOST_WORDS = { map: "allocations not counted: the map of caches was full" };

export interface SlabratetopConfig {
  /** Only this process; 0: every process. */
  pid: number;
}

/** The bytes of `const volatile struct slabratetop_config cfg`. Pure. */
export function configBytes(c: SlabratetopConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.pid, CONFIG.off.tgid);
  return b;
}

/** One cache's allocations in an interval. */
export interface CacheRate {
  name: string;
  count: number;
  bytes: number;
}

/** One entry of the `caches` map. Pure. */
export function decodeCache(key: Buffer, value: Buffer): CacheRate {
  const { count, bytes } = VALUE.decode(value, 0);
  return { name: KEY.decode(key, 0).name, count: Number(count), bytes: Number(bytes) };
}
