// `tsnap runqlen`: how many tasks wait in each CPU's run queue, sampled at a frequency in
// the kernel (runqlen.bpf.c: a cpu-clock perf event per CPU) and counted in linear
// histograms there, like bcc/libbpf-tools runqlen (same options, same layout). Prints the
// histograms (or the occupancy) every interval, or once at Ctrl-C.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { decimalFlag, flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import {
  INTERVAL_COUNT_ARGS,
  type IntervalCount,
  jsonFlag,
  parseIntervalCount,
  timeLineFlag,
} from "../../command/flags.js";
import { waitOrAbort } from "../../platform/abortable-sleep.js";
import { tool } from "./runqlen.tool.js";
import { countsSince } from "./runqlen-records.js";
import { type ReportOptions, renderJson, renderText } from "./runqlen-report.js";

const FLAGS = {
  perCpu: switchFlag({ long: "cpus", short: "C", help: "one histogram (or occupancy) per CPU" }),
  runqocc: switchFlag({
    long: "runqocc",
    short: "O",
    help: "the run-queue occupancy: % of samples with a task waiting",
  }),
  timestamp: timeLineFlag,
  hz: decimalFlag({
    long: "frequency",
    short: "f",
    arg: "HZ",
    help: "samples per second per CPU (default 99)",
    min: 1,
    max: 10000,
    integer: true,
    fallback: 99,
  }),
  json: jsonFlag("histogram per report"),
};

const HELP = `tsnap runqlen: scheduler run-queue length as a histogram, sampled (bcc runqlen)

USAGE
  tsnap runqlen [-C] [-O] [-T] [-f HZ] [--json] [interval] [count]

Samples every CPU at HZ (a cpu-clock perf event) and counts, in the kernel, how many tasks
wait in its run queue (all scheduling classes, the running one not counted: 0 means idle
or one task running). Prints a linear histogram of those lengths, or with -O the
occupancy (the share of samples with a task waiting), every interval seconds, count
times, or once at Ctrl-C. Options and layout are libbpf-tools' runqlen (which does not
load on this kernel: cfs_rq.nr_running is gone in 6.18). Needs root.

OPTIONS
${flagHelp(FLAGS, true, INTERVAL_COUNT_ARGS)}
EXAMPLES
  sudo tsnap runqlen                    one histogram until Ctrl-C
  sudo tsnap runqlen 1 10               1-second histograms, 10 times
  sudo tsnap runqlen -T 1               every second, with the time
  sudo tsnap runqlen -O -C 5            per-CPU occupancy every 5 s
  sudo tsnap runqlen -f 199 --json 1 | jq -c '{time, runqocc}'
`;

interface Options extends ReportOptions, IntervalCount {
  hz: number;
  json: boolean;
}

/** Flags → options; every bad value is a UsageError. Pure. */
export function parseOptions(argv: string[]): Options {
  const { values: v, positionals } = parseFlags(argv, FLAGS, 2);
  return { ...parseIntervalCount(positionals), ...v };
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("runqlen");
  const { loadRunqlen } = await import("./runqlen-load.js");
  const src = loadRunqlen(o.hz);
  try {
    const hello = "Sampling run queue length... Hit Ctrl-C to end.\n";
    if (o.json) io.err(hello);
    else io.out(hello);
    let prev: Buffer[] = [];
    for (let n = 1; ; n++) {
      const aborted = io.signal.aborted || (await waitOrAbort(o.intervalS * 1000, io.signal));
      if (io.signal.reason === "EPIPE") return 0;
      const now = src.read();
      const perCpu = now.map((b, cpu) => countsSince(prev[cpu], b));
      prev = now;
      io.out((o.json ? renderJson : renderText)(perCpu, o, new Date()));
      if (aborted || n >= o.count) break;
    }
  } finally {
    src.close();
  }
  return 0;
}

export const command: Command = toolCommand(tool, HELP, run);
