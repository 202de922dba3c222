// tsnap top: sample all threads for a few seconds and show which are active, grouped by
// any columns, as "average active threads" (0x.tools psn, with its flags).
import { readFileSync } from "node:fs";
import {
  decimalFlag,
  flagHelp,
  listOptionFlag,
  optionalOneOfFlag,
  parseFlags,
  switchFlag,
  textFlag,
} from "../command/args.js";
import type { Command, Io } from "../command/command.js";
import {
  allFlag,
  durationFlag,
  formatFlag,
  groupFlag,
  histFlag,
  hzFlag,
  intervalFlag,
  pidFilterFlag,
  sourceFlag,
  verboseFlag,
} from "../command/flags.js";
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
import { openSampler } from "../sampler/open.js";
import { type LatencyHistograms, latencyHistogramsOf } from "../sources/bpf/latency-hists.js";
import { levelFrames } from "../tools/flame/level-frames.js";
import { writeLiveFlame } from "../tools/flame/live-flame.js";

const DEFAULT_GROUP = ["comm", "state"];
const DEFAULT_DURATION_S = 5;

const FLAGS = {
  duration: durationFlag({ defaultText: `${DEFAULT_DURATION_S}; with --interval: until Ctrl-C` }),
  hz: hzFlag({ fallback: 20, max: 1000 }),
  pid: pidFilterFlag,
  all: allFlag,
  group: groupFlag(
    `group by these columns (default: ${DEFAULT_GROUP.join(",")}); time_<N>s|m|h buckets put the rows in time order`,
  ),
  appendGroup: listOptionFlag({
    long: "append-group",
    short: "G",
    arg: "COLS",
    help: "add columns to the default grouping",
  }),
  list: switchFlag({ long: "list", help: "list every column with a one-line description" }),
  format: formatFlag,
  interval: intervalFlag({
    fallback: undefined,
    help: "report every SECONDS until Ctrl-C (or -d), like top",
  }),
  limit: decimalFlag({
    long: "limit",
    arg: "N",
    help: "print at most N rows",
    min: 1,
    integer: true,
    fallback: Number.POSITIVE_INFINITY,
  }),
  source: sourceFlag,
  hist: histFlag("after each window, of EVERY call in it [bpf]"),
  includeSelf: switchFlag({ long: "include-self", help: "do not leave tsnap's own threads out" }),
  stacks: optionalOneOfFlag({
    long: "stacks",
    arg: "KIND",
    choices: ["kernel", "user"] as const,
    help: "under the table, the window's top stacks side by side as columns that fit the terminal (stacktiles), leaf first: kernel or user (user: bpf source); table format only",
  }),
  flame: textFlag({
    long: "flame",
    arg: "FILE",
    help: "also write the window as a flame graph SVG: frames are the -g columns in order (kstack/ustack expand to their frames, root first), widths in avg threads (replaced at every --interval)",
  }),
  verbose: verboseFlag,
};

const HELP = `tsnap top: which threads are active, in which state, in which syscall, on which file.

Samples every thread of the system (on and off CPU) at --hz for -d seconds, then prints
how many samples fell in each group and the average number of threads in it
(avg_threads = samples / sampling rounds): 2.00 means two threads were there all the time.

USAGE
  tsnap top [options]

OPTIONS
${flagHelp(FLAGS)}
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
  const { values: v } = parseFlags(argv, FLAGS, 0);
  if (v.list) {
    io.out(
      renderTable(
        ["column", "description"],
        COLUMNS.map((c) => [c.name, c.bpfOnly ? `${c.description} [bpf]` : c.description]),
      ),
    );
    return 0;
  }
  const intervalS = v.interval;
  const durationS = Number.isFinite(v.duration)
    ? v.duration
    : intervalS === undefined
      ? DEFAULT_DURATION_S
      : Number.POSITIVE_INFINITY;
  const groupNames = [...(v.group ?? DEFAULT_GROUP), ...(v.appendGroup ?? [])];
  if (groupNames.length === 0) throw new UsageError("-g needs at least one column");
  const columns = resolveColumns(groupNames);
  const { hz, all, hist, format, limit } = v;

  const { stacks } = v;
  if (stacks && format !== "table")
    throw new UsageError("--stacks prints under the table: --format table only");
  const stackColumns = stacks ? resolveColumns([stacks === "kernel" ? "kstack" : "ustack"]) : [];

  const opts: SamplerOptions = {
    hz,
    all,
    needs: needsOf([...columns, ...stackColumns]),
    excludeSelf: !v.includeSelf,
    verbose: v.verbose,
    ...v.pid,
  };
  const sampler = await openSampler(v.source, opts, (line) => io.err(`${line}\n`));
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
      totalS: Number.isFinite(durationS) ? durationS : undefined,
      repeated,
      flame: v.flame,
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
