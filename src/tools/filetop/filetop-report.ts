// What filetop prints, in libbpf-tools' layout (filetop.c): per interval the time and
// loadavg line, then TID COMM READS WRITES R_Kb W_Kb T FILE rows, most first; or NDJSON
// objects. Pure.
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import type { FileIo } from "./filetop-records.js";

export type SortBy = "all" | "reads" | "writes" | "rbytes" | "wbytes";

/** Most first by `by` (all: reads + writes + bytes both ways, as libbpf-tools sums them); at most `limit`. */
export function sortRows(rows: readonly FileIo[], by: SortBy, limit: number): FileIo[] {
  const key = (r: FileIo) => (by === "all" ? r.reads + r.writes + r.rbytes + r.wbytes : r[by]);
  return [...rows].sort((a, b) => key(b) - key(a)).slice(0, limit);
}

/** One report: `loadavg` is /proc/loadavg's text (its newline kept, as the C tool prints it), or null. */
export function renderText(rows: readonly FileIo[], loadavg: string | null, at: Date): string {
  let s = loadavg === null ? "" : `${hhmmss(at).padStart(8)} loadavg: ${loadavg}\n`;
  s += `${"TID".padEnd(7)} ${"COMM".padEnd(16)} ${"READS".padEnd(6)} ${"WRITES".padEnd(6)} ${"R_Kb".padEnd(7)} ${"W_Kb".padEnd(7)} T FILE\n`;
  for (const r of rows)
    s += `${String(r.tid).padEnd(7)} ${r.comm.padEnd(16)} ${String(r.reads).padEnd(6)} ${String(r.writes).padEnd(6)} ${String(Math.floor(r.rbytes / 1024)).padEnd(7)} ${String(Math.floor(r.wbytes / 1024)).padEnd(7)} ${r.type} ${r.file}\n`;
  return `${s}\n`;
}

export function renderJson(rows: readonly FileIo[], at: Date): string {
  return rows
    .map(
      (r) =>
        `${toJson({
          time: at.toISOString(),
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
        })}\n`,
    )
    .join("");
}
