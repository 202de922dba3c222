// `tsnap statsnoop`: every stat-family call that names a path, as it returns, with its
// result, like bcc/libbpf-tools statsnoop (same options, same layout). statsnoop.bpf.c
// filters at the syscall's entry and sends a record at its exit; this module prints the
// records (statsnoop-report.ts) until Ctrl-C or -d, and says how many the kernel could
// not send.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, jsonFlag, pidFlag, timestampColumnFlag } from "../../command/flags.js";
import { runSnoopLoop } from "../snoop-tool.js";
import { tool } from "./statsnoop.tool.js";
import { decodeEvent, LOST_WORDS, type StatsnoopConfig } from "./statsnoop-records.js";
import { header, jsonLine, line } from "./statsnoop-report.js";

const FLAGS = {
  timestamp: timestampColumnFlag("t", "the first call listed"),
  failed: switchFlag({ long: "failed", short: "x", help: "only calls that failed" }),
  pid: pidFlag,
  duration: durationFlag(),
  json: jsonFlag("call"),
};

const HELP = `tsnap statsnoop: trace stat() calls as they return (bcc statsnoop)

USAGE
  tsnap statsnoop [-t] [-x] [-p PID] [-d SECONDS] [--json]

Prints one line per stat(2), lstat(2), fstatat(2) (newfstatat), statx(2) or statfs(2)
call, when it returns: the process, RET (0, or -1 on failure), ERR (the errno) and the
path as the caller gave it (relative paths stay relative; "" for fstat done as
fstatat(fd, "", AT_EMPTY_PATH), as glibc does). Filters run in the kernel at the
syscall's entry; the path is copied at its exit and sent through a ring buffer. Runs
until Ctrl-C or -d; calls the kernel could not send are counted on stderr. Options and
layout are libbpf-tools' statsnoop. Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap statsnoop                  every stat of a path until Ctrl-C
  sudo tsnap statsnoop -x -t            failed ones, with seconds since the first
  sudo tsnap statsnoop -p 1216 -d 10    10 s of one process's stats
  sudo tsnap statsnoop --json | jq -c 'select(.err == 2) | .path'
`;

interface Options extends StatsnoopConfig {
  timestamp: boolean;
  durationS: number;
  json: boolean;
}

/** Flags → options; every bad value is a UsageError. Pure. */
export function parseOptions(argv: string[]): Options {
  const { values: v } = parseFlags(argv, FLAGS, 0);
  return { pid: v.pid ?? 0, failed: v.failed, timestamp: v.timestamp, durationS: v.duration, json: v.json };
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("statsnoop");
  const { loadStatsnoop } = await import("./statsnoop-load.js");
  const src = loadStatsnoop(o);
  const loop = {
    json: o.json,
    header: header(o.timestamp),
    tracing: "Tracing stat()s",
    durationS: o.durationS,
    lostWords: LOST_WORDS,
  };
  return runSnoopLoop(io, loop, src, (buf, off, _len, clock) => {
    const e = decodeEvent(buf, off);
    if (o.json) return jsonLine(e, clock.wall(e.ts));
    return line(e, o.timestamp ? clock.sinceFirst(e.ts) : undefined);
  });
}

export const command: Command = toolCommand(tool, HELP, run);
