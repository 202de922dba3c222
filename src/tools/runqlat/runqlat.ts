// `tsnap runqlat`: run-queue (scheduler) latency as log2 histograms made in the kernel,
// like bcc/libbpf-tools runqlat (same options, same layout). The timing is in
// runqlat.bpf.c (sched_wakeup, sched_wakeup_new, sched_switch); this module parses the
// options, loads it and prints the histograms every interval (hist-tool.ts).

import { existsSync } from "node:fs";
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { cgroupFlag, INTERVAL_COUNT_ARGS, pidFlag } from "../../command/flags.js";
import { InputError, UsageError } from "../../errors.js";
import { HIST_FLAGS, type HistLoopOptions, histOptions, runHistLoop } from "../hist-tool.js";
import { tool } from "./runqlat.tool.js";
import { LOST_WORDS, type RunqlatConfig } from "./runqlat-records.js";

const FLAGS = {
  ...HIST_FLAGS,
  pids: switchFlag({ long: "pids", short: "P", help: "one histogram per process (pid = PID COMM)" }),
  tids: switchFlag({ long: "tids", short: "L", help: "one histogram per thread (tid = TID COMM)" }),
  pidnss: switchFlag({ long: "pidnss", help: "one histogram per PID namespace" }),
  pid: pidFlag,
  cgroup: cgroupFlag("as libbpf-tools: the task running when the event fires is checked"),
};

const HELP = `tsnap runqlat: run-queue (scheduler) latency as histograms (bcc runqlat)

USAGE
  tsnap runqlat [-T] [-m] [-P | -L | --pidnss] [-p PID] [-c CGROUP] [--json] [interval] [count]

Times how long each task waits on a run queue, from the moment it becomes runnable (a
wakeup, or a preemption that leaves it runnable) to the moment it runs on a CPU, and counts
it in a log2 histogram in the kernel (sched_wakeup, sched_wakeup_new, sched_switch
tracepoints). Prints the histogram every interval seconds, count times, or once at
Ctrl-C. Options and layout are bcc's runqlat. Needs root and a kernel with tp_btf or
raw_tp programs.

OPTIONS
${flagHelp(FLAGS, true, INTERVAL_COUNT_ARGS)}
EXAMPLES
  sudo tsnap runqlat                   one histogram until Ctrl-C
  sudo tsnap runqlat 1 10              1-second histograms, 10 times
  sudo tsnap runqlat -mT 1             every second, in ms, with the time
  sudo tsnap runqlat -P 5 1            5 s, one histogram per process
  sudo tsnap runqlat -p 185 -L         each thread of process 185
  sudo tsnap runqlat -c /sys/fs/cgroup/system.slice 10 1
`;

interface Options extends RunqlatConfig, Omit<HistLoopOptions, "tracing" | "lostWords"> {}

/** Flags → options; every bad value is a UsageError. */
export function parseOptions(argv: string[]): Options {
  const { values: v, positionals } = parseFlags(argv, FLAGS, 2);
  const keys = (["pids", "tids", "pidnss"] as const).filter((k) => v[k]);
  if (keys.length > 1) throw new UsageError("-P, -L and --pidnss: one at a time");
  const key = ({ pids: "pid", tids: "tid", pidnss: "pidns" } as const)[keys[0] ?? "pids"];
  const pid = v.pid ?? 0;
  if (pid && !existsSync(`/proc/${pid}`)) throw new InputError(`no process with PID ${pid}`);
  return {
    ...histOptions(v, positionals),
    pid,
    key: keys.length ? key : "none",
    cgroup: v.cgroup,
  };
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("runqlat");
  const { loadRunqlat } = await import("./runqlat-load.js");
  const src = loadRunqlat(o);
  return runHistLoop(io, { ...o, tracing: "Tracing run queue latency", lostWords: LOST_WORDS }, src);
}

export const command: Command = toolCommand(tool, HELP, run);
