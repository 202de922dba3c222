// `tsnap tcptracer`: TCP connects, accepts and closes with their process and addresses,
// like libbpf-tools tcptracer (same options, same layout). tcptracer.bpf.c finds them on
// sock:inet_sock_set_state and the accept syscall exits; this module prints the records
// until Ctrl-C or -d.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, optionalDecimalFlag, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, jsonFlag, pidFlag } from "../../command/flags.js";
import { toJson } from "../../report/table.js";
import { runTcpEvents } from "../tcp-tool.js";
import { tool } from "./tcptracer.tool.js";
import { decodeEvent, LOST_WORDS, type TracerEvent } from "./tcptracer-records.js";

const FLAGS = {
  timestamp: switchFlag({
    long: "timestamp",
    short: "t",
    help: "a TIME(s) column: seconds since the first event",
  }),
  printUid: switchFlag({ long: "print-uid", short: "U", help: "a UID column" }),
  pid: pidFlag,
  uid: optionalDecimalFlag({
    long: "uid",
    short: "u",
    arg: "UID",
    help: "only this user id's connections",
    min: 0,
    max: 2 ** 32 - 2,
    integer: true,
  }),
  duration: durationFlag(),
  json: jsonFlag("connect, accept or close"),
};

const HELP = `tsnap tcptracer: trace TCP connects, accepts and closes (bcc tcptracer)

USAGE
  tsnap tcptracer [-t] [-U] [-p PID] [-u UID] [-d SECONDS] [--json]

Prints one line per TCP connection event (IPv4 and IPv6): T is C for an outgoing
connection established, A for one accept() returned, X for a connection's close
beginning; then the process, the local (S) and remote (D) address and port. Options and
layout are libbpf-tools' tcptracer. Without kprobes: connects and closes come from
sock:inet_sock_set_state (the connecting process is the one that sent the SYN; a close is
the first change from ESTABLISHED or CLOSE_WAIT to FIN_WAIT1, LAST_ACK or CLOSE, so a
shutdown() counts as the close), accepts from the accept()/accept4() syscall exits.
Connections that never established have no close line. Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap tcptracer                  every connect, accept and close until Ctrl-C
  sudo tsnap tcptracer -t -U            with seconds since the first event and the UID
  sudo tsnap tcptracer -p 181           one process's connections
  sudo tsnap tcptracer -u 1000 -d 10    user 1000's, for ten seconds
  sudo tsnap tcptracer --json | jq -c 'select(.type == "X")'
`;

interface ReportOptions {
  timestamp: boolean;
  printUid: boolean;
}

/** libbpf-tools' header: [TIME(s)] [UID] T PID COMM IP SADDR DADDR SPORT DPORT. Pure. */
export function header(o: ReportOptions): string {
  let h = "";
  if (o.timestamp) h += "TIME(s)".padEnd(9);
  if (o.printUid) h += "UID".padEnd(6);
  return `${h}T ${"PID".padEnd(6)} ${"COMM".padEnd(12)} ${"IP".padEnd(2)} ${"SADDR".padEnd(16)} ${"DADDR".padEnd(16)} ${"SPORT".padEnd(4)} ${"DPORT".padEnd(4)}\n`;
}

/** One event in libbpf-tools' layout. Pure. */
export function line(e: TracerEvent, o: ReportOptions, sinceS: number): string {
  let s = "";
  if (o.timestamp) s += sinceS.toFixed(3).padEnd(9);
  if (o.printUid) s += String(e.uid).padEnd(6);
  return `${s}${e.type} ${String(e.pid).padEnd(6)} ${e.comm.slice(0, 12).padEnd(12)} ${String(e.ip).padEnd(2)} ${e.saddr.padEnd(16)} ${e.daddr.padEnd(16)} ${String(e.sport).padEnd(4)} ${String(e.dport).padEnd(4)}\n`;
}

export function jsonLine(e: TracerEvent, at: Date): string {
  return `${toJson({
    time: at.toISOString(),
    type: e.type,
    pid: e.pid,
    uid: e.uid,
    comm: e.comm,
    ip: e.ip,
    saddr: e.saddr,
    sport: e.sport,
    daddr: e.daddr,
    dport: e.dport,
  })}\n`;
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values: o } = parseFlags(argv, FLAGS);
  requireBpfPrivilege("tcptracer");
  const { loadTcptracer } = await import("./tcptracer-load.js");
  const src = loadTcptracer({ pid: o.pid, uid: o.uid });
  const loop = {
    json: o.json,
    header: header(o),
    tracing: "Tracing TCP connects, accepts and closes",
    durationS: o.duration,
    lostWords: LOST_WORDS,
  };
  return runTcpEvents(io, loop, src, decodeEvent, {
    json: o.json,
    jsonLine,
    line: (e, _at, s) => line(e, o, s),
  });
}

export const command: Command = toolCommand(tool, HELP, run);
