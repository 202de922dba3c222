// What biotop prints, in libbpf-tools' layout (biotop.c): per interval the time and
// loadavg line, then PID COMM D MAJ MIN DISK I/O Kbytes AVGms rows, most first; or NDJSON
// objects. Pure.
import { mostFirst, topJson, topRows, topText } from "../top-tool.js";
import type { DiskIo } from "./biotop-records.js";

/** -s: all (I/Os + bytes + µs, as libbpf-tools sums them), io, bytes, time; most first. */
const SORT_KEYS = {
  all: (r: DiskIo) => r.io + r.bytes + r.ns / 1000,
  io: (r: DiskIo) => r.io,
  bytes: (r: DiskIo) => r.bytes,
  time: (r: DiskIo) => r.ns,
};
export type SortBy = keyof typeof SORT_KEYS;
export const SORTS = Object.keys(SORT_KEYS) as SortBy[];

const major = (dev: number) => dev >>> 20;
const minor = (dev: number) => dev & 0xfffff;

/** Most first by `by`; at most `limit`. */
export function sortRows(rows: readonly DiskIo[], by: SortBy, limit: number): DiskIo[] {
  return topRows(rows, mostFirst(SORT_KEYS[by]), limit);
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
  let s = `${"PID".padEnd(7)} ${"COMM".padEnd(16)} D ${"MAJ".padEnd(3)} ${"MIN".padEnd(3)} ${"DISK".padEnd(8)} ${"I/O".padStart(5)} ${"Kbytes".padStart(7)} ${"AVGms".padStart(6)}\n`;
  for (const r of rows)
    s += `${String(r.pid).padEnd(7)} ${r.comm.padEnd(16)} ${r.write ? "W" : "R"} ${String(major(r.dev)).padEnd(3)} ${String(minor(r.dev)).padEnd(3)} ${(disks.get(r.dev) ?? "").padEnd(8)} ${String(r.io).padStart(5)} ${String(Math.floor(r.bytes / 1024)).padStart(7)} ${avgMs(r).toFixed(2).padStart(6)}\n`;
  return topText(loadavg, at, s);
}

export function renderJson(rows: readonly DiskIo[], disks: ReadonlyMap<number, string>, at: Date): string {
  return topJson(rows, at, (r) => ({
    pid: r.pid,
    comm: r.comm,
    dir: r.write ? "W" : "R",
    major: major(r.dev),
    minor: minor(r.dev),
    disk: disks.get(r.dev) ?? "",
    io: r.io,
    bytes: r.bytes,
    avg_ms: avgMs(r),
  }));
}
