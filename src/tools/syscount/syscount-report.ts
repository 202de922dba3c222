// What syscount prints, in bcc's layout (syscount.py): a "[HH:MM:SS]" line, a header, the
// top rows by count (by total time with -L), and an empty line. The kernel keeps counters
// since attach; each report is the difference to the previous one (nothing is deleted from
// the map while it is being counted, so no call is lost between reports). Pure.
import { constants } from "node:os";
import { UsageError } from "../../errors.js";
import { syscallName } from "../../platform/syscall-table.js";
import { hhmmss } from "../hist-tool.js";
import type { Counter } from "./syscount-records.js";

export interface Row {
  key: number;
  comm: string;
  count: bigint;
  totalNs: bigint;
}

export interface ReportOptions {
  byProcess: boolean;
  latency: boolean;
  ms: boolean;
  top: number;
}

/** Counts since `prev` (keys absent from `prev` count from zero); rows that did not change are left out. */
export function since(prev: ReadonlyMap<number, Counter>, now: readonly Counter[]): Row[] {
  const rows: Row[] = [];
  for (const c of now) {
    const p = prev.get(c.key);
    const count = c.count - (p?.count ?? 0n);
    if (count <= 0n) continue;
    rows.push({ key: c.key, comm: c.comm, count, totalNs: c.totalNs - (p?.totalNs ?? 0n) });
  }
  return rows;
}

/** The top `n` rows: by count, or by total time with -L; ties by key. */
export function topRows(rows: readonly Row[], latency: boolean, n: number): Row[] {
  const by = (r: Row) => (latency ? r.totalNs : r.count);
  return [...rows].sort((a, b) => (by(a) === by(b) ? a.key - b.key : by(a) > by(b) ? -1 : 1)).slice(0, n);
}

/** "[21:21:47]" in local time, as bcc's strftime("%H:%M:%S"). */
export function clock(d: Date): string {
  return `[${hhmmss(d)}]`;
}

/** One report: timestamp, header, top rows, empty line. */
export function renderReport(rows: readonly Row[], o: ReportOptions, at: Date, arch = process.arch): string {
  const unit = o.ms ? "ms" : "us";
  const div = o.ms ? 1e6 : 1e3;
  const digits = o.ms ? 6 : 3;
  const head = o.byProcess ? "PID    COMM" : "SYSCALL";
  const lines = [clock(at)];
  lines.push(
    o.latency
      ? `${head.padEnd(22)} ${"COUNT".padStart(8)} ${`TIME (${unit})`.padStart(16)} ${`AVG (${unit})`.padStart(12)}`
      : `${head.padEnd(22)} ${"COUNT".padStart(8)}`,
  );
  for (const r of topRows(rows, o.latency, o.top)) {
    const what = o.byProcess
      ? `${String(r.key).padEnd(6)} ${r.comm.padEnd(15)}`
      : syscallName(r.key, arch).replace(/^syscall_(\d+)$/, "[unknown: $1]");
    const count = String(r.count).padStart(8);
    if (!o.latency) {
      lines.push(`${what.padEnd(22)} ${count}`);
      continue;
    }
    const total = Number(r.totalNs) / div;
    const avg = total / Number(r.count);
    lines.push(
      `${what.padEnd(22)} ${count} ${total.toFixed(digits).padStart(16)} ${avg.toFixed(digits).padStart(12)}`,
    );
  }
  return `${lines.join("\n")}\n\n`;
}

/** `-e`: an errno by name (ENOENT) or number (2). */
export function parseErrno(text: string): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n >= 1 && n <= 4095) return n;
  } else {
    const n = (constants.errno as Record<string, number>)[t.toUpperCase()];
    if (n !== undefined) return n;
  }
  throw new UsageError(`-e must be an errno name (ENOENT) or number (1-4095), got '${text}'`);
}

/** `-l`: every syscall the table of this architecture names, as libbpf-tools prints them. */
export function syscallList(arch = process.arch): string {
  const lines: string[] = [];
  for (let nr = 0; nr < 1024; nr++) {
    const name = syscallName(nr, arch);
    if (name !== `syscall_${nr}`) lines.push(`${String(nr).padStart(3)}: ${name}`);
  }
  return `${lines.join("\n")}\n`;
}
