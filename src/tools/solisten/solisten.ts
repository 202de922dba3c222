// `tsnap solisten`: every listen() on an IPv4 or IPv6 socket, like bcc/libbpf-tools
// solisten (same options, same layout). solisten.bpf.c reads the socket at
// syscalls:sys_exit_listen (no kprobe on inet_listen); this module prints the records
// until Ctrl-C.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { clockTimestampFlag, durationFlag, jsonFlag, pidFlag } from "../../command/flags.js";
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import { runTcpEvents } from "../tcp-tool.js";
import { tool } from "./solisten.tool.js";
import { decodeEvent, type ListenEvent, LOST_WORDS } from "./solisten-records.js";

const FLAGS = {
  timestamp: clockTimestampFlag("t"),
  pid: pidFlag,
  duration: durationFlag(),
  json: jsonFlag("listen()"),
};

const HELP = `tsnap solisten: trace listen() on IPv4 and IPv6 sockets (bcc solisten)

USAGE
  tsnap solisten [-t] [-p PID] [-d SECONDS] [--json]

Prints one line per listen() on an IPv4 or IPv6 socket when it returns: the process,
listen()'s return value, the backlog asked for, the protocol (TCPv4, TCPv6), and the
port and address the socket listens on. The socket is read from the process's file
table at syscalls:sys_exit_listen (no kprobes). Options and layout are libbpf-tools'
solisten. Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap solisten                   every listen() until Ctrl-C
  sudo tsnap solisten -t -p 1216        one process, with the time
  sudo tsnap solisten --json | jq -c 'select(.ret != 0)'
`;

const proto = (e: ListenEvent) => `${e.type === 1 ? "TCP" : e.type === 2 ? "UDP" : "UNK"}v${e.ip}`;

/** libbpf-tools' header: [TIME(s)] PID COMM RET BACKLOG PROTO PORT ADDR. Pure. */
export function header(timestamp: boolean): string {
  return `${timestamp ? `${"TIME(s)".padEnd(8)} ` : ""}${"PID".padEnd(7)} ${"COMM".padEnd(16)} ${"RET".padEnd(3)} ${"BACKLOG".padEnd(7)} ${"PROTO".padEnd(5)} ${"PORT".padEnd(5)} ${"ADDR".padEnd(32)}\n`;
}

/** libbpf-tools' `%-7d %-16s %-3d %-7d %-5s %-5d %-32s`, after `%8s ` (HH:MM:SS) with -t. Pure. */
export function line(e: ListenEvent, at: Date | null): string {
  return `${at ? `${hhmmss(at).padStart(8)} ` : ""}${String(e.pid).padEnd(7)} ${e.comm.padEnd(16)} ${String(e.ret).padEnd(3)} ${String(e.backlog).padEnd(7)} ${proto(e).padEnd(5)} ${String(e.sport).padEnd(5)} ${e.saddr.padEnd(32)}\n`;
}

export function jsonLine(e: ListenEvent, at: Date): string {
  return `${toJson({
    time: at.toISOString(),
    pid: e.pid,
    comm: e.comm,
    ret: e.ret,
    backlog: e.backlog,
    proto: proto(e),
    port: e.sport,
    addr: e.saddr,
  })}\n`;
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values: o } = parseFlags(argv, FLAGS);
  requireBpfPrivilege("solisten");
  const { loadSolisten } = await import("./solisten-load.js");
  const src = loadSolisten(o.pid);
  const loop = {
    json: o.json,
    header: header(o.timestamp),
    tracing: "Tracing listen()",
    durationS: o.duration,
    lostWords: LOST_WORDS,
  };
  return runTcpEvents(io, loop, src, decodeEvent, {
    json: o.json,
    jsonLine,
    line: (e, at) => line(e, o.timestamp ? at : null),
  });
}

export const command: Command = toolCommand(tool, HELP, run);
