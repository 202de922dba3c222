// Renders one `tsnap top` window: the psn-style table with its footer, or JSON/CSV rows.
import type { GroupRow } from "./aggregate.js";
import type { Column } from "./columns.js";
import { type Cell, renderCsv, renderTable, toJson } from "./table.js";
import type { ExtraColumns } from "./window-latency.js";

export type TopFormat = "table" | "json" | "csv";

export interface WindowStats {
  rounds: number;
  expected: number;
  /** Most threads looked at in one round. */
  threadsSeen: number;
  durationMs: number;
  cpuUs: number;
  vanished: number;
  denied: Record<string, number>;
  source: string;
  /** Wall-clock start of the window (ms since epoch), shown in repeated reports. */
  startedAt: number;
  /** True when this process runs as root (changes the advice on permission errors). */
  root: boolean;
}

export function renderTop(
  format: TopFormat,
  columns: readonly Column[],
  rows: readonly GroupRow[],
  w: WindowStats,
  all: boolean,
  /** Latency columns of every call (window-latency.ts), when the grouping has them. */
  extra: ExtraColumns | null = null,
): string {
  const names = columns.map((c) => c.name);
  const more = (r: GroupRow): Cell[] => (extra ? extra.cells(r.values) : []);
  if (format === "json") {
    const objects = rows.map((r) => ({
      ...Object.fromEntries(names.map((n, i) => [n, r.values[i]])),
      samples: r.samples,
      avg_threads: round2(r.avg_threads),
      ...(extra ? Object.fromEntries(extra.headers.map((h, i) => [h, more(r)[i]])) : {}),
    }));
    return `${toJson(objects)}\n`;
  }
  const headers = ["samples", "avg_threads", ...names, ...(extra?.headers ?? [])];
  if (format === "csv") {
    return renderCsv(
      headers,
      rows.map((r) => [r.samples, round2(r.avg_threads), ...r.values, ...more(r)]),
    );
  }
  const title = all ? "=== All Threads ===" : "=== Active Threads ===";
  const body = rows.length
    ? renderTable(
        headers,
        rows.map((r) => [r.samples, r.avg_threads, ...r.values, ...more(r)]),
        {
          maxCellWidth: 200,
          fixedDecimals: [1],
        },
      )
    : " (no threads matched)\n";
  const latNote = extra
    ? `latency in µs of EVERY call in the window (in-kernel histograms), per ${extra.headers.some((h) => h.startsWith("sc_")) ? "syscall" : "process (run-queue waits)"}, not split by other columns\n`
    : "";
  return `\n${title}\n\n${latNote}${body}\n${footer(w)}\n`;
}

export function footer(w: WindowStats): string {
  const perRound = w.rounds ? w.cpuUs / w.rounds / 1000 : 0;
  const lines = [
    `rounds: ${w.rounds} of ${w.expected} expected | threads seen: ${w.threadsSeen} | source: ${w.source}`,
    `duration: ${(w.durationMs / 1000).toFixed(2)} s | tsnap CPU: ${(w.cpuUs / 1e6).toFixed(3)} s (${perRound.toFixed(2)} ms per round)`,
  ];
  const parts: string[] = [];
  if (w.vanished > 0) parts.push(`${w.vanished} thread reads (threads exited mid-read)`);
  const denied = Object.entries(w.denied).filter(([, n]) => n > 0);
  if (denied.length > 0) {
    const what = denied
      .map(([f, n]) => `${f} of ~${Math.ceil(n / Math.max(1, w.rounds))} threads`)
      .join(", ");
    const advice = w.root
      ? "refused even to root (non-dumpable or protected processes)"
      : "run as root to see all";
    parts.push(`permission denied for ${what}: ${advice}`);
  }
  if (parts.length > 0) lines.push(`skipped: ${parts.join("; ")}`);
  return lines.join("\n");
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
