// `tsnap execsnoop`: every exec as it returns, with its arguments, like bcc/libbpf-tools
// execsnoop (same options, same layout). execsnoop.bpf.c copies the path and arguments at
// sys_enter_execve and sends a record at sys_exit_execve; this module prints the records
// (execsnoop-report.ts) until Ctrl-C, and says how many the kernel could not send.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import {
  decimalFlag,
  flagHelp,
  optionalDecimalFlag,
  parseFlags,
  switchFlag,
  textFlag,
} from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { cgroupFlag, jsonFlag, timeColumnFlag, timestampColumnFlag } from "../../command/flags.js";
import { runSnoopLoop } from "../snoop-tool.js";
import { tool } from "./execsnoop.tool.js";
import { decodeEvent, type ExecsnoopConfig, LOST_WORDS, TOTAL_MAX_ARGS } from "./execsnoop-records.js";
import { header, jsonLine, keep, line, type ReportOptions } from "./execsnoop-report.js";

const FLAGS = {
  time: timeColumnFlag,
  timestamp: timestampColumnFlag("t"),
  printUid: switchFlag({ long: "print-uid", short: "U", help: "a UID column" }),
  failed: switchFlag({ long: "fails", short: "x", help: "include failed execs (RET is -errno)" }),
  quote: switchFlag({ long: "quote", short: "q", help: 'put "quotemarks" around arguments' }),
  uid: optionalDecimalFlag({
    long: "uid",
    short: "u",
    arg: "UID",
    help: "only execs by this user id",
    min: 0,
    max: 2 ** 32 - 2,
    integer: true,
  }),
  name: textFlag({
    long: "name",
    short: "n",
    arg: "NAME",
    help: "only execs whose program name contains NAME",
  }),
  line: textFlag({
    long: "line",
    short: "l",
    arg: "LINE",
    help: "only execs with an argument containing LINE",
  }),
  cgroup: cgroupFlag(),
  maxArgs: decimalFlag({
    long: "max-args",
    arg: "N",
    help: `strings copied per exec, the path included (default 20, at most ${TOTAL_MAX_ARGS})`,
    min: 1,
    max: TOTAL_MAX_ARGS,
    integer: true,
    fallback: 20,
  }),
  json: jsonFlag("exec"),
};

const HELP = `tsnap execsnoop: trace exec() calls as they return (bcc execsnoop)

USAGE
  tsnap execsnoop [-T] [-t] [-U] [-x] [-q] [-u UID] [-n NAME] [-l LINE] [-c CGROUP]
                  [--max-args N] [--json]

Prints one line per execve, when it returns: the new program's name, PID, parent PID,
return value and the path and arguments it was given (copied in the kernel at
syscalls:sys_enter_execve, sent at sys_exit_execve through a ring buffer). Runs until
Ctrl-C; execs the kernel could not send (a full ring) are counted on stderr. Options and
layout are bcc's execsnoop. Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap execsnoop                 every exec until Ctrl-C
  sudo tsnap execsnoop -x -T           with failed ones, and the time
  sudo tsnap execsnoop -U -u 1000      execs by user 1000
  sudo tsnap execsnoop -n python -q    python's execs, arguments quoted
  sudo tsnap execsnoop -l --verbose    execs given --verbose
  sudo tsnap execsnoop --json | jq -c 'select(.ret != 0)'
`;

interface Options extends ExecsnoopConfig, ReportOptions {
  name?: string;
  line?: string;
  json: boolean;
}

/** Flags → options; every bad value is a UsageError. Pure. */
export function parseOptions(argv: string[]): Options {
  return parseFlags(argv, FLAGS, 0).values;
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("execsnoop");
  const { loadExecsnoop } = await import("./execsnoop-load.js");
  const src = loadExecsnoop(o);
  const loop = {
    json: o.json,
    header: header(o),
    tracing: "Tracing exec()s",
    durationS: Number.POSITIVE_INFINITY,
    lostWords: LOST_WORDS,
  };
  return runSnoopLoop(io, loop, src, (buf, off, len, clock) => {
    const e = decodeEvent(buf, off, len);
    if (!keep(e, o.name, o.line)) return "";
    const at = clock.wall(e.ts);
    return o.json ? jsonLine(e, at) : line(e, o, at, clock.since(e.ts));
  });
}

export const command: Command = toolCommand(tool, HELP, run);
