// What filetop prints, in libbpf-tools' layout (filetop.c): per interval the time and
// loadavg line, then TID COMM READS WRITES R_Kb W_Kb T FILE rows, most first; or NDJSON
// objects. Pure.
import { mostFirst, topJson, topRows, topText } from "../top-tool.js";
import type { FileIo } from "./filetop-records.js";

/** -s: all (reads + writes + bytes both ways, as libbpf-tools sums them), or one count; most first. */
const SORT_KEYS = {
  all: (r: FileIo) => r.reads + r.writes + r.rbytes + r.wbytes,
  reads: (r: FileIo) => r.reads,
  writes: (r: FileIo) => r.writes,
  rbytes: (r: FileIo) => r.rbytes,
  wbytes: (r: FileIo) => r.wbytes,
};
export type SortBy = keyof typeof SORT_KEYS;
export const SORTS = Object.keys(SORT_KEYS) as SortBy[];

/** Most first by `by`; at most `limit`. */
export function sortRows(rows: readonly FileIo[], by: SortBy, limit: number): FileIo[] {
  return topRows(rows, mostFirst(SORT_KEYS[by]), limit);
}

/** One report: `loadavg` is /proc/loadavg's text (its newline kept, as the C tool prints it), or null. */
export function renderText(rows: readonly FileIo[], loadavg: string | null, at: Date): string {
  let s = `${"TID".padEnd(7)} ${"COMM".padEnd(16)} ${"READS".padEnd(6)} ${"WRITES".padEnd(6)} ${"R_Kb".padEnd(7)} ${"W_Kb".padEnd(7)} T FILE\n`;
  for (const r of rows)
    s += `${String(r.tid).padEnd(7)} ${r.comm.padEnd(16)} ${String(r.reads).padEnd(6)} ${String(r.writes).padEnd(6)} ${String(Math.floor(r.rbytes / 1024)).padEnd(7)} ${String(Math.floor(r.wbytes / 1024)).padEnd(7)} ${r.type} ${r.file}\n`;
  return topText(loadavg, at, s);
}

export function renderJson(rows: readonly FileIo[], at: Date): string {
  return topJson(rows, at, (r) => ({
    pid: r.pid,
    tid: r.tid,
    comm: r.comm,
    reads: r.reads,
    writes: r.writes,
    rbytes: r.rbytes,
    wbytes: r.wbytes,
    type: r.type,
    file: r.file,
    inode: Number(r.ino),
  }));
}
