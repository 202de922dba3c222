// What slabratetop prints, in libbpf-tools' layout (slabratetop.c): per interval the time
// and loadavg line, then CACHE ALLOCS BYTES rows, most first; or NDJSON objects. Pure.
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import type { CacheRate } from "./slabratetop-records.js";

export type SortBy = "name" | "count" | "size";

/** By name (A-Z, case-insensitive), by allocations or by bytes (most first); at most `limit`. Pure. */
export function sortRows(rows: readonly CacheRate[], by: SortBy, limit: number): CacheRate[] {
  const cmp =
    by === "name"
      ? (a: CacheRate, b: CacheRate) => a.name.toLowerCase().localeCompare(b.name.toLowerCase())
      : by === "count"
        ? (a: CacheRate, b: CacheRate) => b.count - a.count
        : (a: CacheRate, b: CacheRate) => b.bytes - a.bytes;
  return [...rows].sort(cmp).slice(0, limit);
}

/** One report: `loadavg` is /proc/loadavg's text (its newline kept, as the C tool prints it), or null. */
export function renderText(rows: readonly CacheRate[], loadavg: string | null, at: Date): string {
  let s = loadavg === null ? "" : `${hhmmss(at).padStart(8)} loadavg: ${loadavg}\n`;
  s += `${"CACHE".padEnd(32)} ${"ALLOCS".padStart(6)} ${"BYTES".padStart(10)}\n`;
  for (const r of rows)
    s += `${r.name.padEnd(32)} ${String(r.count).padStart(6)} ${String(r.bytes).padStart(10)}\n`;
  return `${s}\n`;
}

export function renderJson(rows: readonly CacheRate[], at: Date): string {
  return rows
    .map((r) => `${toJson({ time: at.toISOString(), cache: r.name, allocs: r.count, bytes: r.bytes })}\n`)
    .join("");
}
