// `tsnap tcpaccept`: every TCP connection a process accepts, like bcc tcpaccept (same
// options, same layout). tcpaccept.bpf.c reads the new socket at syscalls:sys_exit_accept4
// and sys_exit_accept (no kprobe on inet_csk_accept); this module prints the records
// until Ctrl-C.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { jsonFlag, pidFlag, timeColumnFlag, timestampColumnFlag } from "../../command/flags.js";
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import { ipChoice, portsFlag, runTcpEvents } from "../tcp-tool.js";
import { tool } from "./tcpaccept.tool.js";
import { type AcceptEvent, decodeEvent, LOST_WORDS } from "./tcpaccept-records.js";

const FLAGS = {
  time: timeColumnFlag,
  timestamp: timestampColumnFlag("t", "the first accept"),
  pid: pidFlag,
  ports: portsFlag({ long: "port", short: "P", help: "only these local ports (comma-separated, at most 8)" }),
  ipv4: switchFlag({ long: "ipv4", short: "4", help: "IPv4 only" }),
  ipv6: switchFlag({ long: "ipv6", short: "6", help: "IPv6 only" }),
  json: jsonFlag("accept"),
};

const HELP = `tsnap tcpaccept: trace TCP accept()s (bcc tcpaccept)

USAGE
  tsnap tcpaccept [-T] [-t] [-p PID] [-P PORTS] [-4 | -6] [--json]

Prints one line per TCP connection (IPv4 and IPv6) a process accepts, when accept() or
accept4() returns: the process, the remote address and port, the local address and port.
Options and layout are bcc's tcpaccept. This kernel needs no kprobe for it: the new
descriptor's socket is read at syscalls:sys_exit_accept4 / sys_exit_accept. Connections
accepted without the syscall (io_uring) are not seen. Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap tcpaccept                  every accept until Ctrl-C
  sudo tsnap tcpaccept -t               with seconds since the first
  sudo tsnap tcpaccept -P 80,443        accepts on local ports 80 and 443
  sudo tsnap tcpaccept -p 1234 -6       one process's IPv6 accepts
  sudo tsnap tcpaccept --json | jq -r .raddr
`;

interface ReportOptions {
  time: boolean;
  timestamp: boolean;
}

/** bcc's header: [TIME] [TIME(s)] PID COMM IP RADDR RPORT LADDR LPORT. Pure. */
export function header(o: ReportOptions): string {
  let h = "";
  if (o.time) h += "TIME".padEnd(9);
  if (o.timestamp) h += "TIME(s)".padEnd(9);
  return `${h}${"PID".padEnd(7)} ${"COMM".padEnd(12)} ${"IP".padEnd(2)} ${"RADDR".padEnd(16)} ${"RPORT".padEnd(5)} ${"LADDR".padEnd(16)} ${"LPORT".padEnd(5)}\n`;
}

/** One accept in bcc's layout. Pure. */
export function line(e: AcceptEvent, o: ReportOptions, at: Date, sinceS: number): string {
  let s = "";
  if (o.time) s += hhmmss(at).padEnd(9);
  if (o.timestamp) s += sinceS.toFixed(3).padEnd(9);
  return `${s}${String(e.pid).padEnd(7)} ${e.comm.slice(0, 12).padEnd(12)} ${String(e.ip).padEnd(2)} ${e.daddr.padEnd(16)} ${String(e.dport).padEnd(5)} ${e.saddr.padEnd(16)} ${String(e.sport).padEnd(5)}\n`;
}

export function jsonLine(e: AcceptEvent, at: Date): string {
  return `${toJson({
    time: at.toISOString(),
    pid: e.pid,
    tid: e.tid,
    uid: e.uid,
    comm: e.comm,
    ip: e.ip,
    raddr: e.daddr,
    rport: e.dport,
    laddr: e.saddr,
    lport: e.sport,
    fd: e.fd,
  })}\n`;
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values: o } = parseFlags(argv, FLAGS);
  const ip = ipChoice(o);
  requireBpfPrivilege("tcpaccept");
  const { loadTcpaccept } = await import("./tcpaccept-load.js");
  const src = loadTcpaccept({ pid: o.pid, ports: o.ports, ip });
  const loop = {
    json: o.json,
    header: header(o),
    tracing: "Tracing TCP accepts",
    durationS: Number.POSITIVE_INFINITY,
    lostWords: LOST_WORDS,
  };
  return runTcpEvents(io, loop, src, decodeEvent, {
    json: o.json,
    jsonLine,
    line: (e, at, s) => line(e, o, at, s),
  });
}

export const command: Command = toolCommand(tool, HELP, run);
