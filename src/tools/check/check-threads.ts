// The threads behind a finding: a short thread-state sample of the check's interval through
// `tsnap top`'s engine (sampler/open.ts, sampler/loop.ts, report/aggregate.ts), grouped by
// pid, comm, state, syscall and filename; and the pure picking of the rows a finding is
// about (CPU: RUN and RUNQ by process; disk: DISK by syscall and file).
import type { Io } from "../../command/command.js";
import type { Sampler } from "../../model/sampler.js";
import { Aggregator } from "../../report/aggregate.js";
import { needsOf, resolveColumns } from "../../report/columns.js";
import { runRounds } from "../../sampler/loop.js";
import { openSampler, type SourceChoice } from "../../sampler/open.js";

export const THREAD_COLUMNS = ["pid", "comm", "state", "syscall", "filename"] as const;

export interface ThreadRow {
  pid: number;
  comm: string;
  state: string;
  syscall: string | null;
  filename: string | null;
  avg_threads: number;
}

export interface ThreadSample {
  source: string;
  hz: number;
  rounds: number;
  /** Active threads (RUN, RUNQ, DISK) by group, most first. */
  rows: ThreadRow[];
  /** Reads refused for lack of permission, by file kind (proc source, not root). */
  denied: Record<string, number>;
  /** tsnap's CPU time while sampling, µs. */
  cpuUs: number;
}

/** Opens top's sampler for active threads with the columns check groups by. */
export function openThreadSampler(source: SourceChoice, hz: number, io: Io): Promise<Sampler> {
  return openSampler(
    source,
    {
      hz,
      all: false,
      needs: needsOf(resolveColumns([...THREAD_COLUMNS])),
      excludeSelf: true,
      // No machine-wide syscall and block hooks: the iterator names syscall and file, and
      // every other process's syscalls stay free of BPF programs during the check.
      tracking: false,
    },
    (line) => io.err(`${line}\n`),
  );
}

/** Samples for `durationMs` (or until aborted) and groups the active threads. */
export async function sampleThreads(
  sampler: Sampler,
  hz: number,
  durationMs: number,
  signal: AbortSignal,
): Promise<ThreadSample> {
  const agg = new Aggregator(resolveColumns([...THREAD_COLUMNS]));
  const before = sampler.stats();
  const cpu0 = process.cpuUsage();
  await runRounds(sampler, { hz, durationMs, signal, onRound: (r) => agg.addRound(r.samples) });
  const cpu = process.cpuUsage(cpu0);
  const after = sampler.stats();
  const denied: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.denied))
    if (v - (before.denied[k] ?? 0) > 0) denied[k] = v - (before.denied[k] ?? 0);
  return {
    source: sampler.source,
    hz,
    rounds: agg.rounds,
    rows: agg.rows().map((g) => ({
      pid: Number(g.values[0]),
      comm: String(g.values[1]),
      state: String(g.values[2]),
      syscall: g.values[3] === null ? null : String(g.values[3]),
      filename: g.values[4] === null ? null : String(g.values[4]),
      avg_threads: g.avg_threads,
    })),
    denied,
    cpuUs: cpu.user + cpu.system,
  };
}

/** Average threads in RUN, RUNQ and DISK over the sample. Pure. */
export function stateTotals(rows: readonly ThreadRow[]): { RUN: number; RUNQ: number; DISK: number } {
  const t = { RUN: 0, RUNQ: 0, DISK: 0 };
  for (const r of rows)
    if (r.state === "RUN" || r.state === "RUNQ" || r.state === "DISK") t[r.state] += r.avg_threads;
  return t;
}

/** A group of threads behind a finding, e.g. "2.00 stress-ng-cpu (pid 123) RUN 1.0 RUNQ 1.0". */
export interface Behind {
  pid: number;
  comm: string;
  avg_threads: number;
  /** By state, e.g. { RUN: 1, RUNQ: 1 }. */
  states: Record<string, number>;
  /** For disk and memory findings: the syscall and file most of them were in. */
  syscall?: string | null;
  filename?: string | null;
}

/**
 * The processes with the most threads in `states`, most first (at least `min` threads on
 * average); with `byFile`, split further by syscall and file. Pure.
 */
export function threadsBehind(
  rows: readonly ThreadRow[],
  states: readonly string[],
  opts: { byFile?: boolean; limit?: number; min?: number } = {},
): Behind[] {
  const groups = new Map<string, Behind>();
  for (const r of rows) {
    if (!states.includes(r.state)) continue;
    const key = opts.byFile
      ? JSON.stringify([r.pid, r.comm, r.syscall, r.filename])
      : JSON.stringify([r.pid, r.comm]);
    let g = groups.get(key);
    if (!g) {
      g = { pid: r.pid, comm: r.comm, avg_threads: 0, states: {} };
      if (opts.byFile) {
        g.syscall = r.syscall;
        g.filename = r.filename;
      }
      groups.set(key, g);
    }
    g.avg_threads += r.avg_threads;
    g.states[r.state] = (g.states[r.state] ?? 0) + r.avg_threads;
  }
  return [...groups.values()]
    .filter((g) => g.avg_threads >= (opts.min ?? 0.05))
    .sort((a, b) => b.avg_threads - a.avg_threads || a.pid - b.pid)
    .slice(0, opts.limit ?? 3);
}
