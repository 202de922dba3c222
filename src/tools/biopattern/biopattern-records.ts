// The layouts biopattern.bpf.c shares with user space: its read-only config and the value
// of its `counters` map (key: a disk's dev_t, a u32). Offsets by C's rules
// (records.ts:layout); the C structs must match (sizes checked at load).
import { layout } from "../../sources/bpf/records.js";

export const CONFIG = layout("biopattern_config", [["dev", "u32"]]);

export const COUNTER = layout("biopattern_counter", [
  ["last_sector", "u64"],
  ["sequential", "u64"],
  ["random", "u64"],
  ["bytes", "u64"],
]);

export interface BiopatternConfig {
  /** The kernel's dev_t of the one disk to trace, 0 for every disk. */
  dev: number;
}

/** The bytes of `const volatile struct biopattern_config cfg`. Pure. */
export function configBytes(c: BiopatternConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.dev, CONFIG.off.dev);
  return b;
}

/** One disk's counters, cumulative since attach. */
export interface DiskPattern {
  dev: number;
  sequential: number;
  random: number;
  bytes: number;
}

/** One entry of the map. Pure. */
export function decodeCounter(key: Buffer, value: Buffer): DiskPattern {
  const u = (f: keyof typeof COUNTER.off) => Number(value.readBigUInt64LE(COUNTER.off[f]));
  return { dev: key.readUInt32LE(0), sequential: u("sequential"), random: u("random"), bytes: u("bytes") };
}
