// `tsnap exitsnoop`: every process exit as it happens, with its age and exit code or the
// signal that ended it, like bcc/libbpf-tools exitsnoop (same options, same layout).
// exitsnoop.bpf.c filters on sched_process_exit and sends a record; this module prints
// the records (exitsnoop-report.ts) until Ctrl-C, and says how many the kernel could not send.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { cgroupFlag, clockTimestampFlag, jsonFlag, pidFlag } from "../../command/flags.js";
import { runSnoopLoop } from "../snoop-tool.js";
import { tool } from "./exitsnoop.tool.js";
import { decodeEvent, type ExitsnoopConfig, LOST_WORDS } from "./exitsnoop-records.js";
import { header, jsonLine, line } from "./exitsnoop-report.js";

const FLAGS = {
  timestamp: clockTimestampFlag("t"),
  failed: switchFlag({ long: "failed", short: "x", help: "only exits with a non-zero code or a signal" }),
  pid: pidFlag,
  threaded: switchFlag({
    long: "threaded",
    short: "T",
    help: "every thread's exit (default: processes only)",
  }),
  cgroup: cgroupFlag(),
  json: jsonFlag("exit"),
};

const HELP = `tsnap exitsnoop: trace process exits (bcc exitsnoop)

USAGE
  tsnap exitsnoop [-t] [-x] [-p PID] [-T] [-c CGROUP] [--json]

Prints one line per process exit (with -T, per thread exit): its name, PID, parent, TID,
age (seconds since it started) and how it ended: 0, "code N" or "signal N (name)".
Traced on sched:sched_process_exit, filtered in the kernel; runs until Ctrl-C. Exits the
kernel could not send are counted on stderr. Options and layout are libbpf-tools'
exitsnoop. Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap exitsnoop                  every process exit until Ctrl-C
  sudo tsnap exitsnoop -t -x            failed ones, with the time
  sudo tsnap exitsnoop -p 1216 -T       each thread of process 1216 as it ends
  sudo tsnap exitsnoop --json | jq -c 'select(.signal == 9)'
`;

interface Options extends ExitsnoopConfig {
  timestamp: boolean;
  json: boolean;
}

/** Flags → options; every bad value is a UsageError. Pure. */
export function parseOptions(argv: string[]): Options {
  const { values: v } = parseFlags(argv, FLAGS, 0);
  return {
    pid: v.pid ?? 0,
    threaded: v.threaded,
    failed: v.failed,
    cgroup: v.cgroup,
    timestamp: v.timestamp,
    json: v.json,
  };
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("exitsnoop");
  const { loadExitsnoop } = await import("./exitsnoop-load.js");
  const src = loadExitsnoop(o);
  const loop = {
    json: o.json,
    header: header(o.timestamp),
    tracing: "Tracing process exits",
    durationS: Infinity,
    lostWords: LOST_WORDS,
  };
  return runSnoopLoop(io, loop, src, (buf, off, _len, clock) => {
    const e = decodeEvent(buf, off);
    const at = clock.wall(e.ts);
    return o.json ? jsonLine(e, at) : line(e, o.timestamp, at);
  });
}

export const command: Command = toolCommand(tool, HELP, run);
