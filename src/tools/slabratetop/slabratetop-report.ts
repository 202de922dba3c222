// What slabratetop prints, in libbpf-tools' layout (slabratetop.c): per interval the time
// and loadavg line, then CACHE ALLOCS BYTES rows, most first; or NDJSON objects. Pure.
import { mostFirst, topJson, topRows, topText } from "../top-tool.js";
import type { CacheRate } from "./slabratetop-records.js";

/** -s: by bytes or by allocations (most first), or by name (A-Z, case-insensitive). */
const SORT_ORDERS = {
  size: mostFirst((r: CacheRate) => r.bytes),
  count: mostFirst((r: CacheRate) => r.count),
  name: (a: CacheRate, b: CacheRate) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()),
};
export type SortBy = keyof typeof SORT_ORDERS;
export const SORTS = Object.keys(SORT_ORDERS) as SortBy[];

/** In the order of `by`; at most `limit`. Pure. */
export function sortRows(rows: readonly CacheRate[], by: SortBy, limit: number): CacheRate[] {
  return topRows(rows, SORT_ORDERS[by], limit);
}

/** One report: `loadavg` is /proc/loadavg's text (its newline kept, as the C tool prints it), or null. */
export function renderText(rows: readonly CacheRate[], loadavg: string | null, at: Date): string {
  let s = `${"CACHE".padEnd(32)} ${"ALLOCS".padStart(6)} ${"BYTES".padStart(10)}\n`;
  for (const r of rows)
    s += `${r.name.padEnd(32)} ${String(r.count).padStart(6)} ${String(r.bytes).padStart(10)}\n`;
  return topText(loadavg, at, s);
}

export function renderJson(rows: readonly CacheRate[], at: Date): string {
  return topJson(rows, at, (r) => ({ cache: r.name, allocs: r.count, bytes: r.bytes }));
}
