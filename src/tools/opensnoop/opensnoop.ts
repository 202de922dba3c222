// `tsnap opensnoop`: every open as it returns, with its path, fd or error, like
// bcc/libbpf-tools opensnoop (same options, same layout). opensnoop.bpf.c filters at the
// syscall's entry and sends a record at its exit; this module prints the records
// (opensnoop-report.ts) until Ctrl-C or -d, and says how many the kernel could not send.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import {
  flagHelp,
  optionalDecimalFlag,
  parseFlags,
  switchFlag,
  textFlag,
  textsFlag,
} from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import {
  cgroupFlag,
  clockTimestampFlag,
  durationFlag,
  jsonFlag,
  pidFlag,
  tidFlag,
} from "../../command/flags.js";
import { runSnoopLoop } from "../snoop-tool.js";
import { tool } from "./opensnoop.tool.js";
import { decodeEvent, flagsMask, LOST_WORDS, type OpensnoopConfig } from "./opensnoop-records.js";
import { header, jsonLine, line, type ReportOptions } from "./opensnoop-report.js";

const FLAGS = {
  time: clockTimestampFlag("T"),
  printUid: switchFlag({ long: "print-uid", short: "U", help: "a UID column" }),
  extended: switchFlag({
    long: "extended-fields",
    short: "e",
    help: "a FLAGS column: open's flags in octal",
  }),
  failed: switchFlag({ long: "failed", short: "x", help: "only opens that failed" }),
  pid: pidFlag,
  tid: tidFlag("t"),
  uid: optionalDecimalFlag({
    long: "uid",
    short: "u",
    arg: "UID",
    help: "only opens by this user id",
    min: 0,
    max: 2 ** 32 - 2,
    integer: true,
  }),
  name: textFlag({ long: "name", short: "n", arg: "NAME", help: "only processes whose name contains NAME" }),
  flagFilter: textsFlag({
    long: "flag-filter",
    short: "f",
    arg: "FLAG",
    help: "only opens with this flag set (O_WRONLY, O_CREAT, ...; repeat for any of several)",
  }),
  cgroup: cgroupFlag(),
  duration: durationFlag(),
  json: jsonFlag("open"),
};

const HELP = `tsnap opensnoop: trace open(), openat() and openat2() as they return (bcc opensnoop)

USAGE
  tsnap opensnoop [-T] [-U] [-x] [-e] [-p PID] [-t TID] [-u UID] [-n NAME] [-f FLAG]
                  [-c CGROUP] [-d SECONDS] [--json]

Prints one line per open, when it returns: the process, the fd (or -1 and the errno) and
the path as the caller gave it (relative paths stay relative). The filters run in the
kernel at the syscall's entry (syscalls:sys_enter_open*), the path is copied at its exit
and sent through a ring buffer. Runs until Ctrl-C or -d; opens the kernel could not send
are counted on stderr. Options and layout are libbpf-tools' opensnoop (-f is bcc's).
Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap opensnoop                  every open until Ctrl-C
  sudo tsnap opensnoop -T -U -x         failed opens, with the time and the user
  sudo tsnap opensnoop -p 181 -e        one process's opens with their flags
  sudo tsnap opensnoop -n nginx -d 10   10 s of opens by processes named *nginx*
  sudo tsnap opensnoop -f O_WRONLY -f O_RDWR   opens for writing
  sudo tsnap opensnoop --json | jq -c 'select(.err == 2) | .path'
`;

interface Options extends OpensnoopConfig, ReportOptions {
  name?: string;
  durationS: number;
  json: boolean;
}

/** Flags → options; every bad value is a UsageError. Pure. */
export function parseOptions(argv: string[]): Options {
  const { values: v } = parseFlags(argv, FLAGS, 0);
  return {
    pid: v.pid ?? 0,
    tid: v.tid ?? 0,
    uid: v.uid,
    flagsMask: flagsMask(v.flagFilter.flatMap((f) => f.split(","))),
    failed: v.failed,
    cgroup: v.cgroup,
    time: v.time,
    printUid: v.printUid,
    extended: v.extended,
    name: v.name,
    durationS: v.duration,
    json: v.json,
  };
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("opensnoop");
  const { loadOpensnoop } = await import("./opensnoop-load.js");
  const src = loadOpensnoop(o);
  const loop = {
    json: o.json,
    header: header(o),
    tracing: "Tracing open()s",
    durationS: o.durationS,
    lostWords: LOST_WORDS,
  };
  return runSnoopLoop(io, loop, src, (buf, off, _len, clock) => {
    const e = decodeEvent(buf, off);
    // As libbpf-tools, the name filter runs here (the kernel filters the rest).
    if (o.name !== undefined && !e.comm.includes(o.name)) return "";
    return o.json ? jsonLine(e, clock.wall(e.ts)) : line(e, o, clock.wall);
  });
}

export const command: Command = toolCommand(tool, HELP, run);
