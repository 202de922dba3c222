// What cachestat prints, in libbpf-tools' layout (cachestat.c): one line per interval of
// HITS MISSES DIRTIES HITRATIO BUFFERS_MB CACHED_MB (TIME first with -T), or an NDJSON
// object; and libbpf-tools' arithmetic from the kernel's page counts. Pure.
import { toJson } from "../../report/table.js";
import { parseKeyValues } from "../check/check-parse.js";
import { hhmmss } from "../hist-tool.js";
import type { PageCounts } from "./cachestat-records.js";

export interface CacheLine {
  hits: number;
  misses: number;
  dirties: number;
  /** hits / accesses, 0 when there were none. */
  ratio: number;
  /** /proc/meminfo's Buffers and Cached, MiB. */
  buffersMb: number;
  cachedMb: number;
  /** The counts it comes from (for --json). */
  pages: PageCounts;
}

/** The counts between two reads. Pure. */
export function countDeltas(now: PageCounts, prev: PageCounts): PageCounts {
  return {
    accessed: now.accessed - prev.accessed,
    added: now.added - prev.added,
    dirtied: now.dirtied - prev.dirtied,
    removed: now.removed - prev.removed,
  };
}

/**
 * libbpf-tools' columns from the page counts: a miss is a page added to the cache that a
 * write did not dirty; hits are the other accesses. When more pages were added than read
 * (readahead ahead of the reader), every access is called a miss and hits are 0, as the
 * C tool does. Pure.
 */
export function cacheLine(d: PageCounts, meminfo: string): CacheLine {
  const total = Math.max(0, d.accessed);
  let misses = Math.max(0, d.added - d.dirtied);
  let hits = total - misses;
  if (hits < 0) {
    misses = total;
    hits = 0;
  }
  const kv = parseKeyValues(meminfo);
  return {
    hits,
    misses,
    dirties: d.dirtied,
    ratio: total > 0 ? hits / total : 0,
    buffersMb: Math.floor((kv.get("Buffers") ?? 0) / 1024),
    cachedMb: Math.floor((kv.get("Cached") ?? 0) / 1024),
    pages: d,
  };
}

export function header(timestamp: boolean): string {
  return `${timestamp ? `${"TIME".padEnd(8)} ` : ""}${"HITS".padStart(8)} ${"MISSES".padStart(8)} ${"DIRTIES".padStart(8)} ${"HITRATIO".padStart(8)} ${"BUFFERS_MB".padStart(12)} ${"CACHED_MB".padStart(10)}\n`;
}

/** One line in libbpf-tools' layout. */
export function renderText(l: CacheLine, at: Date | null): string {
  return `${at ? `${hhmmss(at).padEnd(8)} ` : ""}${String(l.hits).padStart(8)} ${String(l.misses).padStart(8)} ${String(l.dirties).padStart(8)} ${`${(100 * l.ratio).toFixed(2)}%`.padStart(8)} ${String(l.buffersMb).padStart(12)} ${String(l.cachedMb).padStart(10)}\n`;
}

export function renderJson(l: CacheLine, at: Date): string {
  return `${toJson({
    time: at.toISOString(),
    hits: l.hits,
    misses: l.misses,
    dirties: l.dirties,
    hit_ratio: Number(l.ratio.toFixed(4)),
    buffers_mb: l.buffersMb,
    cached_mb: l.cachedMb,
    pages_accessed: l.pages.accessed,
    pages_added: l.pages.added,
    pages_dirtied: l.pages.dirtied,
    pages_removed: l.pages.removed,
  })}\n`;
}
