// `tsnap mountsnoop`: every mount(2) and umount2(2) call as it returns, written out as C
// with its result, like bcc/libbpf-tools mountsnoop (same options, same layout).
// mountsnoop.bpf.c filters at the syscall's entry and sends a record at its exit; this
// module prints the records (mountsnoop-report.ts) until Ctrl-C or the duration, and says
// how many the kernel could not send.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { clockTimestampFlag, jsonFlag, pidFlag } from "../../command/flags.js";
import { runSnoopLoop } from "../snoop-tool.js";
import { tool } from "./mountsnoop.tool.js";
import { decodeEvent, LOST_WORDS, type MountsnoopConfig } from "./mountsnoop-records.js";
import { header, jsonLine, line, type ReportOptions } from "./mountsnoop-report.js";

const FLAGS = {
  timestamp: clockTimestampFlag("t"),
  detailed: switchFlag({ long: "detailed", short: "d", help: "one line per field (PID:, RET:, LAT:, ...)" }),
  pid: pidFlag,
  json: jsonFlag("call"),
};

const HELP = `tsnap mountsnoop: trace mount() and umount2() calls (bcc mountsnoop)

USAGE
  tsnap mountsnoop [-t] [-d] [-p PID] [--json]

Prints one line per mount(2) or umount2(2) call, when it returns: the process, its
thread and mount namespace, and the call written out with its arguments and result
(0 or -ENAME). Filters run in the kernel at the syscall's entry
(syscalls:sys_enter_mount, sys_enter_umount); the strings are copied at its exit and
sent through a ring buffer. Runs until Ctrl-C; calls the kernel could not send are
counted on stderr. Options and layout are libbpf-tools' mountsnoop. Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap mountsnoop                 every mount and umount until Ctrl-C
  sudo tsnap mountsnoop -t -d           one field a line, with the time and latency
  sudo tsnap mountsnoop -p 1216         calls made by process 1216
  sudo tsnap mountsnoop --json | jq -c 'select(.ret != 0)'
`;

interface Options extends MountsnoopConfig, ReportOptions {
  json: boolean;
}

/** Flags → options; every bad value is a UsageError. Pure. */
export function parseOptions(argv: string[]): Options {
  const { values: v } = parseFlags(argv, FLAGS, 0);
  return { pid: v.pid ?? 0, timestamp: v.timestamp, detailed: v.detailed, json: v.json };
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("mountsnoop");
  const { loadMountsnoop } = await import("./mountsnoop-load.js");
  const src = loadMountsnoop(o);
  const loop = {
    json: o.json,
    header: header(o),
    tracing: "Tracing mount()s and umount()s",
    durationS: Infinity,
    lostWords: LOST_WORDS,
  };
  return runSnoopLoop(io, loop, src, (buf, off, _len, clock) => {
    const e = decodeEvent(buf, off);
    const at = clock.wall(e.ts);
    return o.json ? jsonLine(e, at) : line(e, o, at);
  });
}

export const command: Command = toolCommand(tool, HELP, run);
