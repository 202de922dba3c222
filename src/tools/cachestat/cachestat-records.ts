// The layouts cachestat.bpf.c shares with user space: its read-only config and the slots
// of its `counts` array. Offsets by C's rules (records.ts:layout); the C struct must match
// (sizes checked at load).
import { layout } from "../../sources/bpf/records.js";

export const CONFIG = layout("cachestat_config", [
  ["tgid", "u32"],
  ["pad", "u32"],
]);

/** Slots of the `counts` array map: pages, cumulative since attach. */
export const SLOT = { accessed: 0, added: 1, dirtied: 2, removed: 3 } as const;

export interface CachestatConfig {
  /** Only this process; 0: every process (libbpf-tools' only view). */
  pid: number;
}

/** The bytes of `const volatile struct cachestat_config cfg`. Pure. */
export function configBytes(c: CachestatConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.pid, CONFIG.off.tgid);
  return b;
}

/** Page counts the kernel keeps (cumulative, or a difference of two reads). */
export interface PageCounts {
  accessed: number;
  added: number;
  dirtied: number;
  removed: number;
}
