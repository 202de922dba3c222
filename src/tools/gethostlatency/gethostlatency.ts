// `tsnap gethostlatency`: the latency of each host name lookup through libc, like
// bcc/libbpf-tools gethostlatency (same options, same layout). gethostlatency.bpf.c times
// each call between its uprobe and its uretprobe; this module prints the lookups until
// Ctrl-C or -d.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, textFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, jsonFlag, pidFlag } from "../../command/flags.js";
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import { runSnoopLoop } from "../snoop-tool.js";
import { tool } from "./gethostlatency.tool.js";
import { decodeEvent, LOST_WORDS, type Lookup } from "./gethostlatency-records.js";

const FLAGS = {
  pid: pidFlag,
  libc: textFlag({
    long: "libc",
    short: "l",
    arg: "LIBC",
    help: "the libc (path or name) to probe (default: c)",
  }),
  duration: durationFlag(),
  json: jsonFlag("lookup"),
};

const HELP = `tsnap gethostlatency: show the latency of getaddrinfo/gethostbyname[2] calls (bcc gethostlatency)

USAGE
  tsnap gethostlatency [-p PID] [-l LIBC] [-d SECONDS] [--json]

Prints one line per host name lookup through libc's getaddrinfo(3), gethostbyname(3)
or gethostbyname2(3), when it returns: the process, LATms (milliseconds from the call
to its return) and the HOST asked for (up to 127 bytes). Uprobes at each function's
entry and return; with -p they are attached for that process only. Programs that
resolve names without libc (Go, or their own DNS client) are not seen. Runs until
Ctrl-C or -d. Layout is libbpf-tools' gethostlatency. Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap gethostlatency             every lookup until Ctrl-C
  sudo tsnap gethostlatency -p 1216     one process's lookups
  sudo tsnap gethostlatency --json | jq -c 'select(.lat_ms > 100)'
`;

export const HEADER = `${"TIME".padEnd(8)} ${"PID".padEnd(7)} ${"COMM".padEnd(16)} ${"LATms".padEnd(10)} HOST\n`;

/** One lookup as libbpf-tools prints it; `at`: the wall time of its return. Pure. */
export function line(e: Lookup, at: Date): string {
  const ms = (Number(e.latNs) / 1e6).toFixed(3);
  return `${hhmmss(at).padEnd(8)} ${String(e.pid).padEnd(7)} ${e.comm.padEnd(16)} ${ms.padEnd(10)} ${e.host}\n`;
}

export function jsonLine(e: Lookup, at: Date): string {
  const fields = { time: at.toISOString(), pid: e.pid, tid: e.tid, comm: e.comm, func: e.func };
  return `${toJson({ ...fields, lat_ms: Number(e.latNs) / 1e6, host: e.host })}\n`;
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values: v } = parseFlags(argv, FLAGS, 0);
  requireBpfPrivilege("gethostlatency");
  const { findLookups, loadGethostlatency } = await import("./gethostlatency-load.js");
  const pid = v.pid ?? null;
  const src = loadGethostlatency(findLookups(v.libc, pid), pid);
  if (!v.json) io.err("Tracing host name lookups... Hit Ctrl-C to end.\n");
  const loop = {
    json: v.json,
    header: HEADER,
    tracing: "Tracing host name lookups",
    durationS: v.duration,
    lostWords: LOST_WORDS,
  };
  return runSnoopLoop(io, loop, src, (buf, off, _len, clock) => {
    const e = decodeEvent(buf, off);
    return v.json ? jsonLine(e, clock.wall(e.ts)) : line(e, clock.wall(e.ts));
  });
}

export const command: Command = toolCommand(tool, HELP, run);
