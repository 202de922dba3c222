// `tsnap syscount`: syscalls counted in the kernel per syscall (or per process), with their
// total and average latency, like bcc/libbpf-tools syscount. The counting is in
// syscount.bpf.c (raw_syscalls sys_exit, and sys_enter with -L); this module loads it,
// reads the counters every interval and prints the difference (syscount-report.ts).

import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag, textFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, intervalFlag, millisecondsFlag, pidFlag, topFlag } from "../../command/flags.js";
import { UsageError } from "../../errors.js";
import { waitOrAbort } from "../../platform/abortable-sleep.js";
import { tool } from "./syscount.tool.js";
import type { Counter, SyscountConfig } from "./syscount-records.js";
import { parseErrno, type ReportOptions, renderReport, since, syscallList } from "./syscount-report.js";

const FLAGS = {
  pid: pidFlag,
  interval: intervalFlag({ fallback: 0, help: "print a report every SECONDS (default: once, at the end)" }),
  duration: durationFlag(),
  top: topFlag(10),
  latency: switchFlag({
    long: "latency",
    short: "L",
    help: "time the calls: TIME (total) and AVG columns, sorted by TIME",
  }),
  ms: millisecondsFlag,
  byProcess: switchFlag({
    long: "process",
    short: "P",
    help: "count per process (PID COMM) instead of per syscall",
  }),
  failedOnly: switchFlag({
    long: "failures",
    short: "x",
    help: "only calls that failed (returned an error)",
  }),
  errno: textFlag({
    long: "errno",
    short: "e",
    arg: "ERRNO",
    help: "only calls that failed with ERRNO (ENOENT or 2)",
  }),
  list: switchFlag({
    long: "list",
    short: "l",
    help: "list the syscalls this architecture's table knows and exit",
  }),
};

const HELP = `tsnap syscount: count syscalls in the kernel, per syscall or per process (bcc syscount)

USAGE
  tsnap syscount [-p PID] [-i SECONDS] [-d SECONDS] [-T TOP] [-L [-m]] [-P] [-x | -e ERRNO]
  tsnap syscount -l

Counts every syscall as it returns (raw_syscalls:sys_exit, in the kernel: nothing is
sampled or copied per call) and prints the most frequent ones, every interval or once at
the end (Ctrl-C, or -d). With -L it also times each call from sys_enter to sys_exit and
prints the total and average time, sorted by total time. Options and layout are bcc's
syscount (AVG is added). Needs root and a kernel with tp_btf or raw_tp programs.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap syscount                  top 10 syscalls until Ctrl-C
  sudo tsnap syscount -p 1234 -i 1     one process, every second
  sudo tsnap syscount -L -d 5          the 10 syscalls taking the most time over 5 s
  sudo tsnap syscount -P -T 5 -i 2     the 5 busiest processes every 2 s
  sudo tsnap syscount -e ENOENT -i 5   who keeps looking for missing files
  tsnap syscount -l | grep open
`;

interface Options extends SyscountConfig, ReportOptions {
  intervalS: number;
  durationS: number;
}

/** Flags → options; every bad value is a UsageError. Pure. */
export function parseOptions(argv: string[]): Options | "list" {
  const { values: v } = parseFlags(argv, FLAGS, 0);
  if (v.list) return "list";
  const errno = v.errno === undefined ? 0 : parseErrno(v.errno);
  if (errno && v.failedOnly) throw new UsageError("-x and -e ERRNO: -e already counts failed calls only");
  return {
    pid: v.pid ?? 0,
    intervalS: v.interval,
    durationS: Number.isFinite(v.duration) ? v.duration : 0,
    top: v.top,
    latency: v.latency,
    ms: v.ms,
    byProcess: v.byProcess,
    failedOnly: v.failedOnly,
    errno,
  };
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  if (o === "list") {
    io.out(syscallList());
    return 0;
  }
  requireBpfPrivilege("syscount");
  const { loadSyscount } = await import("./syscount-load.js");
  const counters = loadSyscount(o);
  try {
    io.out(
      `Tracing ${o.failedOnly || o.errno ? "failed " : ""}syscalls, printing top ${o.top}... Ctrl+C to quit.\n`,
    );
    const t0 = performance.now();
    let prev = new Map<number, Counter>();
    for (;;) {
      const left = o.durationS > 0 ? o.durationS * 1000 - (performance.now() - t0) : Infinity;
      const step = Math.min(o.intervalS > 0 ? o.intervalS * 1000 : Infinity, left);
      const aborted = io.signal.aborted || (await waitOrAbort(step, io.signal));
      if (io.signal.reason === "EPIPE") return 0; // nobody reads the output any more
      const now = counters.read();
      const rows = since(prev, now);
      io.out(renderReport(rows, o, new Date()));
      if (aborted || (o.durationS > 0 && performance.now() - t0 >= o.durationS * 1000 - 1)) break;
      // Per process, the keys of processes that made no call for a whole interval are
      // deleted (they may have exited), so that the map cannot fill up with dead pids.
      let idle = new Set<number>();
      if (o.byProcess) {
        const active = new Set(rows.map((r) => r.key));
        idle = new Set(now.filter((c) => !active.has(c.key) && prev.has(c.key)).map((c) => c.key));
        counters.forget([...idle]);
      }
      prev = new Map(now.filter((c) => !idle.has(c.key)).map((c) => [c.key, c]));
    }
    io.out("Detaching...\n");
  } finally {
    counters.close();
  }
  return 0;
}

export const command: Command = toolCommand(tool, HELP, run);
