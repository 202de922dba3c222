// Renders one `tsnap top` window: the psn-style table with its footer, or JSON/CSV rows.
import type { GroupRow } from "./aggregate.js";
import type { Column } from "./columns.js";
import { formatRows, type OutputFormat, type Rowset } from "./output.js";
import type { ExtraColumns } from "./window-latency.js";

export type TopFormat = OutputFormat;

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
  /** What took the rounds: an in-kernel clock (its words), or null for user space. */
  clock: string | null;
  /** Kernel clock: rounds lost (ring full) and late, rounds at whose instant tsnap's own
   * threads were on a CPU or runnable, and how many of them, summed over the rounds. */
  roundsLost: number;
  roundsLate: number;
  perturbedRounds: number;
  selfActive: number;
}

export function renderTop(
  format: TopFormat,
  columns: readonly Column[],
  rows: readonly GroupRow[],
  w: WindowStats,
  all: boolean,
  /** Latency columns of every call (window-latency.ts), when the grouping has them. */
  extra: ExtraColumns | null = null,
  /** Terminal width for the table (Io.columns), 0: no limit. */
  width = 0,
): string {
  const counts = (r: GroupRow) => [r.samples, round2(r.avg_threads)];
  const latency = (r: GroupRow) => (extra ? extra.cells(r.values) : []);
  const countColumns = [{ name: "samples" }, { name: "avg_threads", fixedDecimals: true }];
  const groupColumns = columns.map((c) => ({ name: c.name }));
  const latencyColumns = (extra?.headers ?? []).map((name) => ({ name }));
  // Objects (json, ndjson) lead with the group columns; tables and CSV with the counts.
  if (format === "json" || format === "ndjson")
    return formatRows(format, {
      columns: [...groupColumns, ...countColumns, ...latencyColumns],
      rows: rows.map((r) => [...r.values, ...counts(r), ...latency(r)]),
    });
  const rs: Rowset = {
    columns: [...countColumns, ...groupColumns, ...latencyColumns],
    rows: rows.map((r) => [...counts(r), ...r.values, ...latency(r)]),
  };
  if (format === "csv") return formatRows(format, rs);
  const title = all ? "=== All Threads ===" : "=== Active Threads ===";
  const body = rows.length
    ? formatRows("table", rs, { maxCellWidth: 200, width })
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
  lines.push(...clockLines(w));
  return lines.join("\n");
}

/** How the rounds were taken, and a WARNING line for each way they fell short. */
export function clockLines(w: WindowStats): string[] {
  const n = w.rounds;
  if (w.clock === null) {
    const what =
      w.source === "bpf"
        ? "rounds taken from user space (the task iterator: user stacks need it, or TSNAP_CLOCK=user): tsnap held a CPU at every sampling instant, so a thread it displaced reads as RUNQ, not RUN (up to 1 thread per round)"
        : "rounds read from /proc by tsnap itself: it holds a CPU while it reads and each thread is read at a different moment";
    return ["sampling: user space", `WARNING: ${what}`];
  }
  const lines = [
    `sampling: ${w.clock} | tsnap on a CPU or runnable at ${w.perturbedRounds} of ${n} instants | rounds lost: ${w.roundsLost}, late: ${w.roundsLate}`,
  ];
  if (w.perturbedRounds > 0) {
    lines.push(
      `WARNING: tsnap's own threads were on a CPU or runnable at ${w.perturbedRounds} of ${n} sampling instants (${w.selfActive} thread-instants): others' RUN may read low and RUNQ high by up to ${(w.selfActive / Math.max(1, n)).toFixed(2)} threads`,
    );
  }
  if (w.roundsLost > 0) {
    lines.push(
      `WARNING: ${w.roundsLost} rounds lost (the kernel's ring buffer was full: tsnap collected too late); avg_threads covers only the rounds taken`,
    );
  }
  if (w.roundsLate > 0) {
    lines.push(
      `WARNING: ${w.roundsLate} rounds late (the in-kernel clock did not fire on time: a vCPU frozen by the host, interrupts off); avg_threads covers only the rounds taken`,
    );
  }
  return lines;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
