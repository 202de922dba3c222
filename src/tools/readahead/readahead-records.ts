// The layouts readahead.bpf.c shares with user space: its read-only config, the slots of
// its `counts` array and the size of its `hist` array (log2 slots of milliseconds). Offsets
// by C's rules (records.ts:layout); the C struct must match (sizes checked at load).
import { layout } from "../../sources/bpf/records.js";

export const CONFIG = layout("readahead_config", [
  ["tgid", "u32"],
  ["pad", "u32"],
]);

/** Slots of the `counts` array map: pages, cumulative since attach. */
export const SLOT = { total: 0, used: 1, atOnce: 2, evicted: 3, lost: 4 } as const;

/** Slots of the `hist` array (MAX_SLOTS in the C). */
export const HIST_SLOTS = 20;

export interface ReadaheadConfig {
  /** Only this process; 0: every process (libbpf-tools' only view). */
  pid: number;
}

/** The bytes of `const volatile struct readahead_config cfg`. Pure. */
export function configBytes(c: ReadaheadConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.pid, CONFIG.off.tgid);
  return b;
}

/** What the kernel counted since attach. */
export interface ReadaheadCounts {
  /** Pages readahead added to the page cache. */
  total: number;
  /** Of them, pages read since. */
  used: number;
  /** Of the used, pages added for the page fault waiting for them (waited 0 ms). */
  atOnce: number;
  /** Readahead pages removed from the cache before any read (they stay unused). */
  evicted: number;
  /** Readahead pages whose add time did not fit in the map (never seen used). */
  lost: number;
  /** Used pages by log2 slot of their wait in ms (slot 0: 0-1 ms). */
  msecs: number[];
}
