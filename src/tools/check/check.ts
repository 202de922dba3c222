// `tsnap check`: Brendan Gregg's 60-second analysis and the USE method in one pass. Reads
// the kernel's counters at the start and the end of an interval (check-read.ts), samples
// the threads in between with top's engine (check-threads.ts), measures and judges every
// resource (check-metrics.ts, check-rules.ts) and prints the findings with the threads
// behind them and what to run next (check-report.ts).
import { flagHelp, parseFlags } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, hzFlag, intervalFlag, jsonFlag, sourceFlag } from "../../command/flags.js";
import type { Sampler } from "../../model/sampler.js";
import { sleepUnlessAborted } from "../../sampler/loop.js";
import type { SOURCE_CHOICES } from "../../sampler/open.js";
import { TOOL_NAMES } from "../names.js";
import { tool } from "./check.tool.js";
import { measure } from "./check-metrics.js";
import { monotonicUs, readKernelEvents, readSnapshot } from "./check-read.js";
import { buildReport, renderJson, renderText } from "./check-report.js";
import { openThreadSampler, sampleThreads, stateTotals } from "./check-threads.js";

const BPF_HZ = 10;
const PROC_HZ = 2;
const DEFAULT_DURATION_S = 10;

const FLAGS = {
  duration: durationFlag({ min: 0.5, defaultText: `${DEFAULT_DURATION_S}; with -i: until Ctrl-C` }),
  interval: intervalFlag({
    fallback: undefined,
    min: 0.5,
    help: "a report every SECONDS until Ctrl-C (or -d), like vmstat 1",
  }),
  json: jsonFlag("report"),
  hz: hzFlag({
    fallback: undefined,
    min: 0.5,
    max: 100,
    defaultText: `${BPF_HZ} with the bpf source, ${PROC_HZ} with proc, whose rounds cost ~5 ms of CPU each`,
  }),
  source: sourceFlag,
};

const HELP = `tsnap check: is this machine healthy, and if not, what is wrong and who is behind it

USAGE
  tsnap check [-d SECONDS] [-i SECONDS] [--json] [--hz N] [--source SRC]

Brendan Gregg's 60-second analysis (uptime, dmesg, vmstat, mpstat, pidstat, iostat, free,
sar -n DEV/TCP,ETCP) and his USE method in one pass: for every resource (each CPU and all
of them, memory, swap, each disk, each network interface, the run queue, PSI cpu, memory
and io, file descriptors, TCP, conntrack when loaded) its Utilization, Saturation and
Errors over the interval, from /proc and /sys counters read at its start and end and the
kernel log (/dev/kmsg: OOM kills, I/O errors, hung tasks), each judged ok / warn / bad by
a rule printed beside it. Meanwhile every thread is sampled (tsnap top's engine) so that
each finding names the threads behind it; each finding ends with commands to run next.

The default interval is 10 s: long enough that a 1-s burst or a VM's 100 ms freezes do not
decide the verdict and that the thread sample (100 rounds) resolves 0.01 threads; equal to
PSI's avg10 window; short enough to wait for. Use -d 60 for a steadier picture, -d 2 in a hurry.

Exit code: 0 when nothing is bad (warnings allowed), 3 when something is bad (for health
checks and deploy gates), 1 on an error, 2 on a usage error.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap check                 10 s, a table with verdicts, findings and next steps
  sudo tsnap check -d 30 --json | jq '.findings[] | select(.verdict=="bad")'
  sudo tsnap check -i 5           a report every 5 s until Ctrl-C
  tsnap check -d 5 || echo "something is bad"   as a health check (exit 3 when bad)
  tsnap check --source proc        without BPF (any user; what it cannot see is listed)
`;

interface Options {
  durationS: number;
  /** -d given (with -i: stop after it; else run until Ctrl-C). */
  durationGiven: boolean;
  intervalS: number | undefined;
  json: boolean;
  /** Thread sampling rate; undefined: the source's default (BPF_HZ, PROC_HZ). */
  hz: number | undefined;
  source: (typeof SOURCE_CHOICES)[number];
}

/** Flags → options; every bad value is a UsageError. Pure. */
export function parseOptions(argv: string[]): Options {
  const { values: v } = parseFlags(argv, FLAGS, 0);
  const durationGiven = Number.isFinite(v.duration);
  return {
    durationS: durationGiven ? v.duration : DEFAULT_DURATION_S,
    durationGiven,
    intervalS: v.interval,
    json: v.json,
    hz: v.hz,
    source: v.source,
  };
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  const tools = new Set(TOOL_NAMES);
  const unseen = new Set<string>();
  const open0 = process.cpuUsage();
  // The proc source costs ~5 ms of CPU per round here (every thread's files): at its
  // default of 2 Hz a check stays near 1% of one CPU; the bpf source samples at 10 Hz.
  let hz = o.hz ?? (o.source === "proc" ? PROC_HZ : BPF_HZ);
  let sampler: Sampler = await openThreadSampler(o.source, hz, io);
  if (o.hz === undefined && sampler.source === "proc" && hz !== PROC_HZ) {
    sampler.close();
    hz = PROC_HZ;
    sampler = await openThreadSampler("proc", hz, io);
  }
  const openCpu = process.cpuUsage(open0);
  let bad = false;
  try {
    if (sampler.source === "proc")
      unseen.add(
        "thread states through /proc: RUN and RUNQ are one state (RUN); a sampler round holds a CPU while it reads",
      );
    const windowS = o.intervalS ?? o.durationS;
    const totalS = o.intervalS !== undefined && !o.durationGiven ? undefined : o.durationS;
    const t0 = performance.now();
    let startedAt = Date.now();
    let sinceUs = monotonicUs();
    let cpu0 = process.cpuUsage();
    let a = readSnapshot(unseen);
    const first = a;
    // Window n ends at t0 + (n + 1) × the interval (the last one at t0 + -d), wherever the
    // sampler's last round fell and however long printing took: windows are contiguous and
    // of the length asked, as vmstat's are.
    for (let n = 0; ; n++) {
      const endMs = t0 + Math.min((n + 1) * windowS, totalS ?? Infinity) * 1000;
      const sample = await sampleThreads(sampler, hz, Math.max(1, endMs - performance.now()), io.signal);
      await sleepUnlessAborted(endMs - performance.now(), io.signal);
      // The next window starts where this one ends: at snapshot b, not after printing.
      const bWallMs = Date.now();
      const bMonoUs = monotonicUs();
      const b = readSnapshot(unseen);
      const kmsg = readKernelEvents(sinceUs, new Set(b.disks.map((d) => d.name)), unseen);
      const denied = Object.entries(sample.denied);
      if (denied.length)
        unseen.add(
          `other users' threads: ${denied.map(([k, v]) => `${v} reads of ${k} refused`).join(", ")} (run as root to see them)`,
        );
      const resources = measure(a, b, { kmsg, states: stateTotals(sample.rows) });
      const cpu = process.cpuUsage(cpu0);
      const report = buildReport(startedAt, (b.atMs - a.atMs) / 1000, resources, sample, [...unseen], tools, {
        open_cpu_s: a === first ? (openCpu.user + openCpu.system) / 1e6 : 0,
        window_cpu_s: (cpu.user + cpu.system) / 1e6,
      });
      if (io.signal.reason === "EPIPE") break;
      io.out(o.json ? renderJson(report) : renderText(report));
      if (report.verdict === "bad") bad = true;
      if (
        o.intervalS === undefined ||
        io.signal.aborted ||
        (totalS !== undefined && endMs >= t0 + totalS * 1000)
      )
        break;
      if (!o.json) io.out("\n");
      a = b;
      cpu0 = process.cpuUsage();
      startedAt = bWallMs;
      sinceUs = bMonoUs;
    }
  } finally {
    sampler.close();
  }
  return bad ? 3 : 0;
}

export const command: Command = toolCommand(tool, HELP, run);
