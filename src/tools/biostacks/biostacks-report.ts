// What biostacks prints, in libbpf-tools' layout (biostacks.c): per (process, disk, init
// stack) a "COMM PID DISK" line, the stack's functions one per line (leaf first), its
// log2 latency histogram and a blank line; or one NDJSON object each. Pure.
import { renderLog2Hist } from "../../report/log2-hist.js";
import type { StackSide } from "../../report/stack-report.js";
import { toJson } from "../../report/table.js";
import type { StackHist } from "./biostacks-records.js";

export type Row = StackHist & { stack: StackSide };

const frames = (s: StackSide) =>
  s.kind === "frames" ? s.frames : s.kind === "missed" ? ["[Missed Kernel Stack]"] : [];

/** Most I/Os first. */
export function sortRows(rows: readonly Row[]): Row[] {
  const n = (r: Row) => r.counts.reduce((a, b) => a + b, 0);
  return [...rows].sort((a, b) => n(b) - n(a));
}

export function renderText(rows: readonly Row[], disks: ReadonlyMap<number, string>, unit: string): string {
  let s = "";
  for (const r of rows) {
    s += `${r.comm.slice(0, 14).padEnd(14)} ${String(r.pid).padEnd(6)} ${(disks.get(r.dev) ?? "Unknown").padEnd(7)}\n`;
    for (const f of frames(r.stack)) s += `${f}\n`;
    s += `${renderLog2Hist(r.counts, unit)}\n`;
  }
  return s;
}

export function renderJson(rows: readonly Row[], disks: ReadonlyMap<number, string>, unit: string): string {
  return rows
    .map(
      (r) =>
        `${toJson({
          pid: r.pid,
          comm: r.comm,
          disk: disks.get(r.dev) ?? "Unknown",
          stack: frames(r.stack),
          unit,
          counts: r.counts,
        })}\n`,
    )
    .join("");
}
