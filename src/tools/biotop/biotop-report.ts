// What biotop prints, in libbpf-tools' layout (biotop.c): per interval the time and
// loadavg line, then PID COMM D MAJ MIN DISK I/O Kbytes AVGms rows, most first; or NDJSON
// objects. Pure.
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import type { DiskIo } from "./biotop-records.js";

export type SortBy = "all" | "io" | "bytes" | "time";

const major = (dev: number) => dev >>> 20;
const minor = (dev: number) => dev & 0xfffff;

/** Most first by `by` (all: I/Os + bytes + µs, as libbpf-tools sums them); at most `limit`. */
export function sortRows(rows: readonly DiskIo[], by: SortBy, limit: number): DiskIo[] {
  const key = (r: DiskIo) =>
    by === "io" ? r.io : by === "bytes" ? r.bytes : by === "time" ? r.ns : r.io + r.bytes + r.ns / 1000;
  return [...rows].sort((a, b) => key(b) - key(a)).slice(0, limit);
}

/** Average issue → done time of the row's I/Os, in ms. */
const avgMs = (r: DiskIo) => (r.io ? r.ns / 1e6 / r.io : 0);

/** One report: `loadavg` is /proc/loadavg's text (its newline kept, as the C tool prints it), or null. */
export function renderText(
  rows: readonly DiskIo[],
  disks: ReadonlyMap<number, string>,
  loadavg: string | null,
  at: Date,
): string {
  let s = loadavg === null ? "" : `${hhmmss(at).padStart(8)} loadavg: ${loadavg}\n`;
  s += `${"PID".padEnd(7)} ${"COMM".padEnd(16)} D ${"MAJ".padEnd(3)} ${"MIN".padEnd(3)} ${"DISK".padEnd(8)} ${"I/O".padStart(5)} ${"Kbytes".padStart(7)} ${"AVGms".padStart(6)}\n`;
  for (const r of rows)
    s += `${String(r.pid).padEnd(7)} ${r.comm.padEnd(16)} ${r.write ? "W" : "R"} ${String(major(r.dev)).padEnd(3)} ${String(minor(r.dev)).padEnd(3)} ${(disks.get(r.dev) ?? "").padEnd(8)} ${String(r.io).padStart(5)} ${String(Math.floor(r.bytes / 1024)).padStart(7)} ${avgMs(r).toFixed(2).padStart(6)}\n`;
  return `${s}\n`;
}

export function renderJson(rows: readonly DiskIo[], disks: ReadonlyMap<number, string>, at: Date): string {
  return rows
    .map(
      (r) =>
        `${toJson({
          time: at.toISOString(),
          pid: r.pid,
          comm: r.comm,
          dir: r.write ? "W" : "R",
          major: major(r.dev),
          minor: minor(r.dev),
          disk: disks.get(r.dev) ?? "",
          io: r.io,
          bytes: r.bytes,
          avg_ms: avgMs(r),
        })}\n`,
    )
    .join("");
}
