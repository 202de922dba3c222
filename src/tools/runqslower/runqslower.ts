// `tsnap runqslower`: every run-queue wait longer than a threshold (default 10 ms), as the
// waiting task gets its CPU, like bcc/libbpf-tools runqslower (same options, same layout).
// runqslower.bpf.c times the waits on the sched tracepoints and sends only the long ones;
// this module prints them (runqslower-report.ts) until Ctrl-C, and says how many the
// kernel could not send.
import { existsSync } from "node:fs";
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { jsonFlag, pidFlag, tidFlag } from "../../command/flags.js";
import { InputError, UsageError } from "../../errors.js";
import { runSnoopLoop } from "../snoop-tool.js";
import { tool } from "./runqslower.tool.js";
import { decodeEvent, LOST_WORDS, type RunqslowerConfig } from "./runqslower-records.js";
import { header, jsonLine, line } from "./runqslower-report.js";

const FLAGS = {
  pid: pidFlag,
  tid: tidFlag("t"),
  previous: switchFlag({
    long: "previous",
    short: "P",
    help: "also the name and TID of the task that ran before it (PREV COMM, PREV TID)",
  }),
  json: jsonFlag("wait"),
};

const MIN_US = { name: "min_us", help: "only waits of at least this many µs (default 10000)" };

const HELP = `tsnap runqslower: run-queue waits longer than a threshold (bcc runqslower)

USAGE
  tsnap runqslower [-p PID | -t TID] [-P] [--json] [min_us]

Times every wait on a CPU run queue, from the moment a task is made runnable (woken, or
preempted while still runnable) to the moment it gets a CPU (sched:sched_wakeup,
sched_wakeup_new, sched_switch), in the kernel; only waits of at least min_us come to
user space, one line each: when it got the CPU, its name, TID and wait in µs (with -P,
the task that ran before it). Runs until Ctrl-C. Waits the kernel could not send are
counted on stderr. Options and layout are libbpf-tools' runqslower. Needs root.

OPTIONS
${flagHelp(FLAGS, true, [MIN_US])}
EXAMPLES
  sudo tsnap runqslower                waits of 10 ms or more until Ctrl-C
  sudo tsnap runqslower 1000           waits of 1 ms or more
  sudo tsnap runqslower -p 185 -P 500  process 185's waits of 0.5 ms or more, with who ran before
  sudo tsnap runqslower -t 4242        one thread's
  sudo tsnap runqslower --json 2000 | jq -c '{comm, lat_us, prev_comm}'
`;

interface Options extends RunqslowerConfig {
  previous: boolean;
  json: boolean;
}

/** Flags → options; every bad value is a UsageError (no such process or thread: InputError). */
export function parseOptions(argv: string[]): Options {
  const { values: v, positionals } = parseFlags(argv, FLAGS, 1);
  if (v.pid !== null && v.tid !== null) throw new UsageError("-p and -t: one at a time");
  const text = positionals[0];
  const minUs = text === undefined ? 10000 : Number(text);
  if (!Number.isInteger(minUs) || minUs <= 0 || minUs > 2 ** 40 || text?.trim() === "")
    throw new UsageError(`min_us must be a positive whole number of µs, got '${text}'`);
  if (v.pid !== null && !existsSync(`/proc/${v.pid}`)) throw new InputError(`no process with PID ${v.pid}`);
  if (v.tid !== null && !existsSync(`/proc/${v.tid}`)) throw new InputError(`no thread with TID ${v.tid}`);
  return { minUs, pid: v.pid ?? 0, tid: v.tid ?? 0, previous: v.previous, json: v.json };
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("runqslower");
  const { loadRunqslower } = await import("./runqslower-load.js");
  const src = loadRunqslower(o);
  const loop = {
    json: o.json,
    header: header(o.minUs, o.previous),
    tracing: `Tracing run queue latency higher than ${o.minUs} us`,
    durationS: Infinity,
    lostWords: LOST_WORDS,
  };
  return runSnoopLoop(io, loop, src, (buf, off, _len, clock) => {
    const e = decodeEvent(buf, off);
    const at = clock.wall(e.ts);
    return o.json ? jsonLine(e, at) : line(e, o.previous, at);
  });
}

export const command: Command = toolCommand(tool, HELP, run);
