// `tsnap tcplife`: one line per TCP session as it closes, like bcc/libbpf-tools tcplife
// (libbpf-tools' layout; bcc's -T and -t columns). tcplife.bpf.c does it all on
// sock:inet_sock_set_state; this module prints the records until Ctrl-C.
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, jsonFlag, pidFlag, timeColumnFlag } from "../../command/flags.js";
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import { ipChoice, portsFlag, runTcpTool } from "../tcp-tool.js";
import { tool } from "./tcplife.tool.js";
import { decodeEvent, type Session } from "./tcplife-records.js";

const FLAGS = {
  time: timeColumnFlag,
  timestamp: switchFlag({
    long: "timestamp",
    short: "t",
    help: "a TIME(s) column: seconds since the first session",
  }),
  wide: switchFlag({ long: "wide", short: "w", help: "wide address columns (fit IPv6 addresses)" }),
  pid: pidFlag,
  localPorts: portsFlag({
    long: "localport",
    short: "L",
    help: "only these local ports (comma-separated, at most 8)",
  }),
  remotePorts: portsFlag({
    long: "remoteport",
    short: "D",
    help: "only these remote ports (comma-separated, at most 8)",
  }),
  ipv4: switchFlag({ long: "ipv4", short: "4", help: "IPv4 only" }),
  ipv6: switchFlag({ long: "ipv6", short: "6", help: "IPv6 only" }),
  duration: durationFlag(),
  json: jsonFlag("session"),
};

const HELP = `tsnap tcplife: trace TCP sessions as they close, with their bytes and duration (bcc tcplife)

USAGE
  tsnap tcplife [-T] [-t] [-w] [-p PID] [-L PORTS] [-D PORTS] [-4 | -6] [-d SECONDS]
                [--json]

Prints one line per TCP session (IPv4 and IPv6) when it closes: the process, local and
remote address and port, KB sent (acknowledged by the peer) and received, and how long
the session lived in ms. All from the sock:inet_sock_set_state tracepoint (no kprobes).
The process is the one that connected, or closed the socket; a session its process never
touched (closed by the kernel) shows the task the kernel was running then. Options and
layout are libbpf-tools' tcplife, with bcc's -T and -t. Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap tcplife                    every session until Ctrl-C
  sudo tsnap tcplife -T -w              with the time, wide address columns
  sudo tsnap tcplife -L 80,443          sessions on local ports 80 and 443
  sudo tsnap tcplife -D 5432 -p 1234    one process's sessions to port 5432
  sudo tsnap tcplife --json | jq -c 'select(.rx_bytes > 1e6)'
`;

interface ReportOptions {
  time: boolean;
  timestamp: boolean;
  wide: boolean;
}

/** libbpf-tools' header; [TIME] [TIME(s)] columns in front. Pure. */
export function header(o: ReportOptions): string {
  const w = o.wide ? 39 : 15;
  let h = "";
  if (o.time) h += `${"TIME".padEnd(8)} `;
  if (o.timestamp) h += `${"TIME(s)".padEnd(8)} `;
  return `${h}${"PID".padEnd(7)} ${"COMM".padEnd(16)} ${"LADDR".padEnd(w)} ${"LPORT".padEnd(5)} ${"RADDR".padEnd(w)} ${"RPORT".padEnd(5)} ${"TX_KB".padEnd(6)} ${"RX_KB".padEnd(6)} MS\n`;
}

/** One session, libbpf-tools' `%-7d %-16s %-*s %-5d %-*s %-5d %-6.2f %-6.2f %-.2f`. Pure. */
export function line(e: Session, o: ReportOptions, at: Date, sinceS: number): string {
  const w = o.wide ? 39 : 15;
  let s = "";
  if (o.time) s += `${hhmmss(at).padEnd(8)} `;
  if (o.timestamp) s += `${sinceS.toFixed(3).padEnd(8)} `;
  return `${s}${String(e.pid).padEnd(7)} ${e.comm.padEnd(16)} ${e.saddr.padEnd(w)} ${String(e.sport).padEnd(5)} ${e.daddr.padEnd(w)} ${String(e.dport).padEnd(5)} ${(e.txBytes / 1024).toFixed(2).padEnd(6)} ${(e.rxBytes / 1024).toFixed(2).padEnd(6)} ${(e.spanNs / 1e6).toFixed(2)}\n`;
}

export function jsonLine(e: Session, at: Date): string {
  return `${toJson({
    time: at.toISOString(),
    pid: e.pid,
    comm: e.comm,
    ip: e.ip,
    laddr: e.saddr,
    lport: e.sport,
    raddr: e.daddr,
    rport: e.dport,
    tx_bytes: e.txBytes,
    rx_bytes: e.rxBytes,
    ms: Math.round(e.spanNs / 1e3) / 1e3,
  })}\n`;
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values: o } = parseFlags(argv, FLAGS);
  const ip = ipChoice(o);
  return runTcpTool(io, {
    tool: "tcplife",
    json: o.json,
    header: header(o),
    tracing: "Tracing TCP sessions",
    durationS: o.duration,
    lost: "sessions lost (ring buffer full)",
    load: async () => (await import("./tcplife-load.js")).loadTcplife({ ...o, ip }),
    decode: decodeEvent,
    jsonLine,
    line: (e, at, s) => line(e, o, at, s),
  });
}

export const command: Command = toolCommand(tool, HELP, run);
