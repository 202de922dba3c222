// tsnap top: sample all threads for a few seconds and show which are active, grouped by
// any columns, as "average active threads" (0x.tools psn, with its flags).
import { readFileSync } from "node:fs";
import {
  choiceFlag,
  listFlag,
  numberFlag,
  outputFormatFlag,
  parseArgs,
  stringFlag,
} from "../command/args.js";
import type { Command, Io } from "../command/command.js";
import { parsePidFilter } from "../command/pid-filter.js";
import { NotSupported, UsageError } from "../errors.js";
import type { LatKind } from "../model/latency-buckets.js";
import type { Sampler, SamplerOptions } from "../model/sampler.js";
import { parsePartitions } from "../query/views.js";
import { Aggregator } from "../report/aggregate.js";
import { COLUMNS, type Column, needsOf, resolveColumns } from "../report/columns.js";
import { windowFrame } from "../report/output.js";
import { renderStackTiles } from "../report/stacktiles.js";
import { renderTable } from "../report/table.js";
import { renderTop, type TopFormat, type WindowStats } from "../report/top-report.js";
import { latencyColumns, renderWindowHists, windowLatency } from "../report/window-latency.js";
import { runRounds } from "../sampler/loop.js";
import { openSampler, SOURCE_CHOICES } from "../sampler/open.js";
import { type LatencyHistograms, latencyHistogramsOf } from "../sources/bpf/latency-hists.js";
import { levelFrames } from "../tools/flame/level-frames.js";
import { writeLiveFlame } from "../tools/flame/live-flame.js";

const DEFAULT_GROUP = ["comm", "state"];

const HELP = `tsnap top: which threads are active, in which state, in which syscall, on which file.

Samples every thread of the system (on and off CPU) at --hz for -d seconds, then prints
how many samples fell in each group and the average number of threads in it
(avg_threads = samples / sampling rounds): 2.00 means two threads were there all the time.

USAGE
  tsnap top [options]

OPTIONS
  -d, --duration SECONDS   how long to sample (default 5; with --interval: stop after it)
      --hz N               sampling rounds per second (default 20)
  -p, --pid PID[,PID]|REGEX  only these processes, or threads whose name matches REGEX
                           (linear-time matching: no backreferences or lookaround)
  -a, --all                include sleeping and idle threads (default: RUN, RUNQ, DISK)
  -g, --group COLS         group by these columns (default: comm,state); time_<N>s|m|h
                           buckets put the rows in time order
  -G, --append-group COLS  add columns to the default grouping
      --list               list every column with a one-line description
      --format FMT         table (default), json (array of objects), ndjson (one object
                           per line) or csv
      --interval SECONDS   report every SECONDS until Ctrl-C, like top
      --limit N            print at most N rows
      --source SRC         auto (bpf where it works, else proc), proc or bpf
      --hist KIND          after each window, bcc-style histograms of EVERY call in it:
                           sc per syscall, io per disk (biolatency), ioq (biolatency -Q),
                           rq per process (runqlat -P) [bpf]
      --include-self       do not leave tsnap's own threads out
      --flame FILE         also write the window as a flame graph SVG: frames are the -g
                           columns in order (kstack/ustack expand to their frames, root
                           first), widths in avg threads (replaced at every --interval)
      --stacks KIND        under the table, the window's top stacks side by side as
                           columns that fit the terminal (stacktiles), leaf first:
                           kernel or user (user: bpf source); table format only
  -v, --verbose            the source's diagnostic log (bpf: libbpf and verifier output)

EXAMPLES
  tsnap top                          active threads by comm and state over 5 s
  tsnap top -G syscall,filename      ... also by syscall and the file it works on
  tsnap top -a -g state,syscall      every thread, by state and syscall
  tsnap top -p mysqld -g tid,syscall,wchan -d 10
  tsnap top -p 1234,5678 --format json
  tsnap top --interval 2 --limit 20  refresh every 2 s until Ctrl-C
  tsnap top -g kstack -p 1234        kernel stacks of process 1234, leaf first (root)
  tsnap top -g ustack -p 1234        user stacks, module\`function (bpf source)
  tsnap top -g time_1s,state -d 10   a timeline: each second's states
  tsnap top -g exe_name,state        by executable file name (exe is the full path)
  tsnap top -g syscall -p 1234       + sc_n, sc_p50_us ... of every call of each syscall
  tsnap top -g pid,state -d 10       + rq_p50_us ...: run-queue waits beside RUNQ
  tsnap top --hist io -d 10          biolatency over 10 s;  --hist rq: runqlat -P
  tsnap top -a -g state,comm,syscall,kstack --flame top.svg   all threads as a flame graph
  tsnap top -p 1234 --stacks kernel  + the top kernel stacks of its threads, side by side
`;

export const command: Command = {
  name: "top",
  summary: "active threads grouped by any columns (psn)",
  help: HELP,
  run,
};

async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs(
    argv,
    {
      duration: { type: "string", short: "d" },
      hz: { type: "string" },
      pid: { type: "string", short: "p" },
      all: { type: "boolean", short: "a" },
      group: { type: "string", short: "g" },
      "append-group": { type: "string", short: "G" },
      list: { type: "boolean" },
      format: { type: "string" },
      interval: { type: "string" },
      limit: { type: "string" },
      source: { type: "string" },
      "include-self": { type: "boolean" },
      hist: { type: "string" },
      verbose: { type: "boolean", short: "v" },
      flame: { type: "string" },
      stacks: { type: "string" },
    },
    0,
  );
  if (values.list) {
    io.out(
      renderTable(
        ["column", "description"],
        COLUMNS.map((c) => [c.name, c.bpfOnly ? `${c.description} [bpf]` : c.description]),
      ),
    );
    return 0;
  }
  const durationS = numberFlag(values.duration, "-d", { fallback: 5, max: 365 * 86400 });
  if (durationS <= 0) throw new UsageError(`-d must be more than 0 seconds, got ${values.duration}`);
  const hz = numberFlag(values.hz, "--hz", { fallback: 20, min: 0.01, max: 1000 });
  const intervalS =
    values.interval === undefined
      ? undefined
      : numberFlag(values.interval, "--interval", { fallback: 0, min: 0.1 });
  const limit = numberFlag(values.limit, "--limit", { fallback: Infinity, min: 1, integer: true });
  const format = outputFormatFlag(values.format);
  const source = choiceFlag(values.source, "--source", SOURCE_CHOICES, "auto");
  const groupNames =
    values.group !== undefined
      ? listFlag(values.group)
      : [...DEFAULT_GROUP, ...listFlag(values["append-group"])];
  if (values.group !== undefined && values["append-group"] !== undefined)
    groupNames.push(...listFlag(values["append-group"]));
  if (groupNames.length === 0) throw new UsageError("-g needs at least one column");
  const columns = resolveColumns(groupNames);
  const all = Boolean(values.all);
  const hist =
    values.hist === undefined
      ? undefined
      : choiceFlag<LatKind>(values.hist, "--hist", ["sc", "io", "ioq", "rq"], "sc");

  const stacks =
    values.stacks === undefined
      ? undefined
      : choiceFlag<"kernel" | "user">(values.stacks, "--stacks", ["kernel", "user"], "kernel");
  if (stacks && format !== "table")
    throw new UsageError("--stacks prints under the table: --format table only");
  const stackColumns = stacks ? resolveColumns([stacks === "kernel" ? "kstack" : "ustack"]) : [];

  const opts: SamplerOptions = {
    hz,
    all,
    needs: needsOf([...columns, ...stackColumns]),
    excludeSelf: !values["include-self"],
    verbose: Boolean(values.verbose),
    ...parsePidFilter(stringFlag(values.pid)),
  };
  const sampler = await openSampler(source, opts, (line) => io.err(`${line}\n`));
  try {
    // One window of -d seconds, or with --interval a window every N s (until -d if given).
    const repeated = intervalS !== undefined;
    // Latency of every call (bpf source with hooks): histogram deltas per window.
    const latency = latencyHistogramsOf(sampler);
    if (hist && !latency) throw new NotSupported("--hist", "needs the bpf source with its hooks");
    latency?.delta();
    await report(sampler, io, {
      latency,
      hist,
      columns,
      format,
      all,
      hz,
      limit,
      windowS: intervalS ?? durationS,
      totalS: repeated && values.duration === undefined ? undefined : durationS,
      repeated,
      flame: stringFlag(values.flame),
      stackColumns,
    });
  } finally {
    sampler.close();
  }
  return 0;
}

interface ReportOptions {
  columns: Column[];
  format: TopFormat;
  all: boolean;
  hz: number;
  limit: number;
  windowS: number;
  totalS: number | undefined;
  /** Print a timestamp before each window (and clear a terminal screen). */
  repeated: boolean;
  latency: LatencyHistograms | null;
  hist: LatKind | undefined;
  /** Also write each window as a flame graph SVG here. */
  flame?: string;
  /** --stacks: the stack column whose top values are drawn as tiles under the table. */
  stackColumns: Column[];
}

/** Samples until totalS (or Ctrl-C), printing one report per window of windowS. */
async function report(sampler: Sampler, io: Io, o: ReportOptions): Promise<void> {
  const agg = new Aggregator(o.columns);
  const tiles = o.stackColumns.length ? new Aggregator(o.stackColumns) : null;
  let win = {
    startedAt: Date.now(),
    cpu: process.cpuUsage(),
    stats: sampler.stats(),
    firstSlot: 0,
    lastSlot: -1,
    threads: 0,
    ...clockCounts(),
  };
  const flush = () => {
    const cpu = process.cpuUsage(win.cpu);
    const st = sampler.stats();
    const w: WindowStats = {
      rounds: agg.rounds,
      expected: win.lastSlot - win.firstSlot + 1,
      threadsSeen: win.threads,
      durationMs: ((win.lastSlot - win.firstSlot + 1) * 1000) / o.hz,
      cpuUs: cpu.user + cpu.system,
      vanished: st.vanished - win.stats.vanished,
      denied: diffCounts(st.denied, win.stats.denied),
      source: sampler.source,
      startedAt: win.startedAt,
      root: process.getuid?.() === 0,
      clock: sampler.kernelClock?.what ?? null,
      roundsLost: win.lost,
      roundsLate: win.late,
      perturbedRounds: win.perturbed,
      selfActive: win.selfActive,
    };
    const lat = o.latency ? windowLatency(o.latency.delta(), devName) : null;
    const extra = lat
      ? latencyColumns(
          o.columns.map((c) => c.name),
          lat,
        )
      : null;
    let text = renderTop(o.format, o.columns, agg.rows(o.limit), w, o.all, extra, io.columns);
    if (lat && o.hist && o.format === "table")
      text += renderWindowHists(lat, o.hist, Number.isFinite(o.limit) ? o.limit : 10);
    if (tiles) text += `\n${stackTiles(tiles, o.stackColumns[0].name, io.columns || 120)}`;
    const stamp = o.repeated ? windowFrame(o.format, io.isTTY, win.startedAt) : "";
    io.out(stamp + text);
    if (o.flame)
      writeLiveFlame(
        o.flame,
        o.columns.map((c) => c.name),
        agg.rows(),
        `${new Date(win.startedAt).toISOString()}, ${agg.rounds} rounds at ${o.hz} Hz, ${sampler.source} source`,
      );
    agg.reset();
    tiles?.reset();
    win = {
      startedAt: Date.now(),
      cpu: process.cpuUsage(),
      stats: st,
      firstSlot: win.lastSlot + 1,
      lastSlot: win.lastSlot,
      threads: 0,
      ...clockCounts(),
    };
  };
  await runRounds(sampler, {
    hz: o.hz,
    durationMs: o.totalS === undefined ? undefined : o.totalS * 1000,
    signal: io.signal,
    onRound: (r, _index, slot) => {
      agg.addRound(r.samples, r.timestamp);
      tiles?.addRound(r.samples, r.timestamp);
      win.lastSlot = slot;
      win.lost += r.lostBefore ?? 0;
      win.late += r.lateBefore ?? 0;
      win.selfActive += r.selfActive ?? 0;
      if ((r.selfActive ?? 0) > 0) win.perturbed++;
      win.threads = Math.max(win.threads, r.threadsSeen);
      if ((slot + 1 - win.firstSlot) / o.hz >= o.windowS - 1e-9) flush();
    },
  });
  if (agg.rounds > 0) flush();
}

/** The window's stacks of one stack column as tiles, the most frequent first. */
function stackTiles(agg: Aggregator, column: string, width: number): string {
  const rows = agg.rows();
  const totalAvg = rows.reduce((t, r) => t + r.avg_threads, 0);
  const tiles = rows.map((r) => ({
    frames: levelFrames(r.values[0], "stack", { sep: "<-" }).reverse(),
    avgThreads: r.avg_threads,
  }));
  const what = column === "kstack" ? "kernel" : "user";
  return renderStackTiles(tiles, { title: `=== Top ${what} stacks (leaf first) ===`, width, totalAvg });
}

let devNames: Map<string, string> | null = null;

/** Device name of major:minor from /proc/partitions (read once). */
function devName(major: number, minor: number): string {
  if (devNames === null) {
    devNames = new Map();
    try {
      for (const p of parsePartitions(readFileSync("/proc/partitions", "utf8")))
        devNames.set(`${p.major}:${p.minor}`, p.name);
    } catch {
      // numbers then
    }
  }
  return devNames.get(`${major}:${minor}`) ?? `${major}:${minor}`;
}

function clockCounts() {
  return { lost: 0, late: 0, perturbed: 0, selfActive: 0 };
}

function diffCounts(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
}
