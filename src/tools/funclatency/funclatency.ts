// `tsnap funclatency`: the time of each call of user functions (uprobe at entry, uretprobe
// at return) as log2 histograms made in the kernel, like bcc funclatency (same options,
// same layout). Patterns are resolved by probe-targets.ts, the timing is funclatency.bpf.c,
// the reports are hist-tool.ts's.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, intervalFlag, pidFlag, timeLineFlag } from "../../command/flags.js";
import { UsageError } from "../../errors.js";
import { HIST_FLAGS, type HistDelta, type HistLoopOptions, runHistLoop } from "../hist-tool.js";
import { resolveSpecs, type UprobeTarget } from "../probe-targets.js";
import { tool } from "./funclatency.tool.js";

const FLAGS = {
  pid: pidFlag,
  interval: intervalFlag({
    fallback: 0,
    help: "print a histogram every SECONDS (default: once, at the end)",
  }),
  duration: durationFlag(),
  timestamp: timeLineFlag,
  usecs: switchFlag({
    long: "microseconds",
    short: "u",
    help: "histogram of microseconds (default nanoseconds)",
  }),
  msecs: switchFlag({ long: "milliseconds", short: "m", help: "histogram of milliseconds" }),
  perFunc: switchFlag({ long: "function", short: "F", help: "one histogram per function" }),
  regexp: switchFlag({
    long: "regexp",
    short: "r",
    help: "the function part is a regular expression (default: * and ? wildcards)",
  }),
  json: HIST_FLAGS.json,
};

const HELP = `tsnap funclatency: time user functions' calls as histograms (bcc funclatency)

USAGE
  tsnap funclatency [-p PID] [-i SECONDS] [-d SECONDS] [-T] [-u | -m] [-F] [-r] [--json] PATTERN...

Times every call of the functions PATTERN names, from its entry (uprobe) to its return
(uretprobe), and counts it in a log2 histogram in the kernel (per thread and function: a
call already running when tracing starts is not timed). Prints the histogram and the
average once at the end (Ctrl-C, or -d) or every interval. Options and layout are bcc's
funclatency. Needs root and uprobes.

PATTERN (bcc's probe syntax; * and ? are wildcards, or regular expressions with -r)
  LIB:func, p:LIB:func   functions of a library or program: LIB is a path, a library
                         name looked up like the dynamic linker (c, libc, pthread) or a
                         program in PATH
  k:func, func           kernel functions: not on kernels without kprobes (one line says so)

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap funclatency c:malloc                      malloc's time until Ctrl-C, in ns
  sudo tsnap funclatency -u -p 1234 'c:pthread_mutex_lock'
  sudo tsnap funclatency -m -i 1 -d 10 /usr/bin/myapp:handle_request
  sudo tsnap funclatency -F 'c:str*' -d 5              one histogram per function
`;

interface Options {
  patterns: string[];
  pid: number | null;
  unitNs: number;
  perFunc: boolean;
  regex: boolean;
  loop: Omit<HistLoopOptions, "tracing" | "lostWords" | "footer">;
}

/** Flags → options; every bad value is a UsageError. Pure. */
export function parseOptions(argv: string[]): Options {
  const { values: v, positionals } = parseFlags(argv, FLAGS, Infinity);
  if (positionals.length === 0) throw new UsageError("no PATTERN (e.g. c:malloc, /usr/bin/app:func)");
  if (v.usecs && v.msecs) throw new UsageError("-u and -m exclude each other");
  const unit = v.msecs ? "msecs" : v.usecs ? "usecs" : "nsecs";
  // bcc: -d alone is one report after it; with -i, reports every -i until -d is over.
  const intervalS = v.interval > 0 ? v.interval : Number.isFinite(v.duration) ? v.duration : Infinity;
  const count = Number.isFinite(v.duration) ? Math.max(1, Math.round(v.duration / intervalS)) : Infinity;
  return {
    patterns: positionals,
    pid: v.pid,
    unitNs: v.msecs ? 1e6 : v.usecs ? 1e3 : 1,
    perFunc: v.perFunc,
    regex: v.regexp,
    loop: { intervalS, count, timestamp: v.timestamp, json: v.json, unit },
  };
}

/** bcc's line after the histograms: "avg = 12 usecs, total: 1234 usecs, count: 100". Pure. */
export function averageLine(deltas: readonly HistDelta[], unit: string, unitNs: number): string {
  const count = deltas.reduce((a, d) => a + d.total, 0);
  if (count === 0) return "";
  const total = Math.floor(deltas.reduce((a, d) => a + d.sumNs, 0) / unitNs);
  return `\navg = ${Math.floor(total / count)} ${unit}, total: ${total} ${unit}, count: ${count}\n\n`;
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("funclatency");
  const targets = resolveSpecs(o.patterns, {
    allow: ["uprobe"],
    tool: "funclatency",
    regex: o.regex,
    pid: o.pid,
  }) as UprobeTarget[];
  const { loadFunclatency, LOST_WORDS } = await import("./funclatency-load.js");
  const src = loadFunclatency(targets, o);
  return runHistLoop(
    io,
    {
      ...o.loop,
      tracing: `Tracing ${targets.length} functions for "${o.patterns.join(" ")}"`,
      lostWords: LOST_WORDS,
      footer: (deltas) => averageLine(deltas, o.loop.unit, o.unitNs),
    },
    src,
  );
}

export const command: Command = toolCommand(tool, HELP, run);
