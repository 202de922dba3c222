// `tsnap bindsnoop`: every bind() of an IPv4 or IPv6 socket, like libbpf-tools bindsnoop
// (same options, same layout). bindsnoop.bpf.c reads the socket at syscalls:sys_exit_bind
// (no kprobe on inet_bind); this module prints the records until Ctrl-C or -d.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { clockTimestampFlag, durationFlag, jsonFlag, pidFlag } from "../../command/flags.js";
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import { portsFlag, runTcpEvents } from "../tcp-tool.js";
import { tool } from "./bindsnoop.tool.js";
import { type BindEvent, decodeEvent, LOST_WORDS, optsText, protoName } from "./bindsnoop-records.js";

const FLAGS = {
  timestamp: clockTimestampFlag("t"),
  failed: switchFlag({ long: "failed", short: "x", help: "also binds that failed (RET is -errno)" }),
  pid: pidFlag,
  ports: portsFlag({
    long: "ports",
    short: "P",
    help: "only these bound ports (comma-separated, at most 8)",
  }),
  duration: durationFlag(),
  json: jsonFlag("bind()"),
};

const HELP = `tsnap bindsnoop: trace bind() of IPv4 and IPv6 sockets (bcc bindsnoop)

USAGE
  tsnap bindsnoop [-t] [-x] [-p PID] [-P PORTS] [-d SECONDS] [--json]

Prints one line per bind() of an IPv4 or IPv6 socket when it returns: the process,
bind()'s return value, the protocol, the socket options set (F IP_FREEBIND,
T IP_TRANSPARENT, N IP_BIND_ADDRESS_NO_PORT, R SO_REUSEADDR, r SO_REUSEPORT; '.' when
not), the interface it is bound to (SO_BINDTODEVICE; 0: none), and the port and address
it holds after the call (port 0 when the call failed, or with IP_BIND_ADDRESS_NO_PORT).
Only successful binds unless -x. The socket is read from the process's file table at
syscalls:sys_exit_bind (no kprobes). Options and layout are libbpf-tools' bindsnoop.
Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap bindsnoop                  every successful bind() until Ctrl-C
  sudo tsnap bindsnoop -x -t            failed ones too, with the time
  sudo tsnap bindsnoop -P 80,443        binds to ports 80 and 443
  sudo tsnap bindsnoop -p 1216 -d 10    one process, for ten seconds
  sudo tsnap bindsnoop -x --json | jq -c 'select(.ret != 0)'
`;

/** libbpf-tools' header: [TIME(s)] PID COMM RET PROTO OPTS IF PORT ADDR. Pure. */
export function header(timestamp: boolean): string {
  return `${timestamp ? `${"TIME(s)".padEnd(8)} ` : ""}${"PID".padEnd(7)} ${"COMM".padEnd(16)} ${"RET".padEnd(3)} ${"PROTO".padEnd(5)} ${"OPTS".padEnd(5)} ${"IF".padEnd(4)} ${"PORT".padEnd(5)} ${"ADDR".padEnd(48)}\n`;
}

/** libbpf-tools' `%-7d %-16s %-3d %-5s %-5s %-4d %-5d %-48s`, after `%8s ` (HH:MM:SS) with -t. Pure. */
export function line(e: BindEvent, at: Date | null): string {
  return `${at ? `${hhmmss(at).padStart(8)} ` : ""}${String(e.pid).padEnd(7)} ${e.comm.padEnd(16)} ${String(e.ret).padEnd(3)} ${protoName(e.proto).padEnd(5)} ${optsText(e.opts)} ${String(e.boundDevIf).padEnd(4)} ${String(e.sport).padEnd(5)} ${e.saddr.padEnd(48)}\n`;
}

export function jsonLine(e: BindEvent, at: Date): string {
  return `${toJson({
    time: at.toISOString(),
    pid: e.pid,
    comm: e.comm,
    ret: e.ret,
    proto: protoName(e.proto),
    ip: e.ip,
    opts: optsText(e.opts),
    if: e.boundDevIf,
    port: e.sport,
    addr: e.saddr,
  })}\n`;
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values: o } = parseFlags(argv, FLAGS);
  requireBpfPrivilege("bindsnoop");
  const { loadBindsnoop } = await import("./bindsnoop-load.js");
  const src = loadBindsnoop({ pid: o.pid, ports: o.ports, failed: o.failed });
  const loop = {
    json: o.json,
    header: header(o.timestamp),
    tracing: "Tracing bind()",
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
