// `tsnap execsnoop`: every exec as it returns, with its arguments, like bcc/libbpf-tools
// execsnoop (same options, same layout). execsnoop.bpf.c copies the path and arguments at
// sys_enter_execve and sends a record at sys_exit_execve; this module prints the records
// (execsnoop-report.ts) until Ctrl-C, and says how many the kernel could not send.
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
import { NotSupported } from "../../errors.js";
import { tool } from "./execsnoop.tool.js";
import { decodeEvent, type ExecsnoopConfig, TOTAL_MAX_ARGS } from "./execsnoop-records.js";
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
  if (process.getuid?.() !== 0) throw new NotSupported("execsnoop", "needs root (CAP_BPF and CAP_PERFMON)");
  const { loadExecsnoop } = await import("./execsnoop-load.js");
  const src = loadExecsnoop(o);
  try {
    const start = process.hrtime.bigint();
    if (o.json) io.err("Tracing exec()s... Hit Ctrl-C to end.\n");
    else io.out(header(o));
    let lostSeen = 0;
    const drain = () => {
      let text = "";
      const nowNs = process.hrtime.bigint();
      const nowMs = Date.now();
      src.ring.drain((buf, off, len) => {
        const e = decodeEvent(buf, off, len);
        if (!keep(e, o.name, o.line)) return;
        const at = new Date(nowMs - Number(nowNs - e.ts) / 1e6);
        text += o.json ? jsonLine(e, at) : line(e, o, at, Number(e.ts - start) / 1e9);
      });
      if (text) io.out(text);
      const lost = src.lost();
      const total = lost.ring + lost.start;
      if (total > lostSeen) io.err(`WARNING: ${total - lostSeen} execs lost (ring buffer or map full)\n`);
      lostSeen = total;
    };
    while (!io.signal.aborted) {
      await src.ring.wait(200);
      drain();
    }
    drain();
  } finally {
    src.close();
  }
  return 0;
}

export const command: Command = toolCommand(tool, HELP, run);
