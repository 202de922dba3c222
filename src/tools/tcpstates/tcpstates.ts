// `tsnap tcpstates`: every TCP state change with the time spent in the state left, like
// bcc/libbpf-tools tcpstates (libbpf-tools' layout; bcc's -T and -t). tcpstates.bpf.c
// does it on sock:inet_sock_set_state; this module prints the records until Ctrl-C.
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, jsonFlag, timeColumnFlag } from "../../command/flags.js";
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import { ipChoice, portsFlag, runTcpTool } from "../tcp-tool.js";
import { tool } from "./tcpstates.tool.js";
import { decodeEvent, type StateChange, stateName } from "./tcpstates-records.js";

const FLAGS = {
  time: timeColumnFlag,
  timestamp: switchFlag({
    long: "timestamp",
    short: "t",
    help: "a TIME(s) column: seconds since the first change",
  }),
  wide: switchFlag({ long: "wide", short: "w", help: "wide columns (an IP column; addresses fit IPv6)" }),
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
  json: jsonFlag("state change"),
};

const HELP = `tsnap tcpstates: trace TCP state changes, with the time in each state (bcc tcpstates)

USAGE
  tsnap tcpstates [-T] [-t] [-w] [-L PORTS] [-D PORTS] [-4 | -6] [-d SECONDS] [--json]

Prints one line per TCP state change (IPv4 and IPv6): the socket's address, the task that
ran the change, local and remote address and port, the old and the new state, and the ms
spent in the old state (0.000 when its start was not seen). From the
sock:inet_sock_set_state tracepoint (no kprobes). The task is the process for the changes
it makes itself (connect, listen, close); changes made by the peer's packets run in
whatever task the kernel interrupted. Options and layout are libbpf-tools' tcpstates,
with bcc's -T and -t. Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap tcpstates                  every change until Ctrl-C
  sudo tsnap tcpstates -T -w            with the time, wide columns
  sudo tsnap tcpstates -L 80            sessions on local port 80
  sudo tsnap tcpstates -D 443 -4        IPv4 sessions to port 443
  sudo tsnap tcpstates --json | jq -c 'select(.newstate == "CLOSE")'
`;

interface ReportOptions {
  time: boolean;
  timestamp: boolean;
  wide: boolean;
}

/** libbpf-tools' header; [TIME] [TIME(s)] columns in front. Pure. */
export function header(o: ReportOptions): string {
  let h = "";
  if (o.time) h += `${"TIME".padEnd(8)} `;
  if (o.timestamp) h += `${"TIME(s)".padEnd(8)} `;
  h += `${"SKADDR".padEnd(16)} ${"PID".padEnd(7)} `;
  h += o.wide
    ? `${"COMM".padEnd(16)} ${"IP".padEnd(2)} ${"LADDR".padEnd(26)} ${"LPORT".padEnd(5)} ${"RADDR".padEnd(26)} `
    : `${"COMM".padEnd(10)} ${"LADDR".padEnd(15)} ${"LPORT".padEnd(5)} ${"RADDR".padEnd(15)} `;
  return `${h}${"RPORT".padEnd(5)} ${"OLDSTATE".padEnd(11)} -> ${"NEWSTATE".padEnd(11)} MS\n`;
}

/** One change in libbpf-tools' layout. Pure. */
export function line(e: StateChange, o: ReportOptions, at: Date, sinceS: number): string {
  let s = "";
  if (o.time) s += `${hhmmss(at).padEnd(8)} `;
  if (o.timestamp) s += `${sinceS.toFixed(3).padEnd(8)} `;
  s += `${e.skaddr.toString(16).padEnd(16)} ${String(e.pid).padEnd(7)} `;
  s += o.wide
    ? `${e.comm.padEnd(16)} ${String(e.ip).padEnd(2)} ${e.saddr.padEnd(26)} ${String(e.sport).padEnd(5)} ${e.daddr.padEnd(26)} `
    : `${e.comm.slice(0, 10).padEnd(10)} ${e.saddr.padEnd(15)} ${String(e.sport).padEnd(5)} ${e.daddr.padEnd(15)} `;
  return `${s}${String(e.dport).padEnd(5)} ${stateName(e.oldstate).padEnd(11)} -> ${stateName(e.newstate).padEnd(11)} ${(e.deltaNs / 1e6).toFixed(3)}\n`;
}

export function jsonLine(e: StateChange, at: Date): string {
  return `${toJson({
    time: at.toISOString(),
    skaddr: e.skaddr.toString(16),
    pid: e.pid,
    comm: e.comm,
    ip: e.ip,
    laddr: e.saddr,
    lport: e.sport,
    raddr: e.daddr,
    rport: e.dport,
    oldstate: stateName(e.oldstate),
    newstate: stateName(e.newstate),
    ms: Math.round(e.deltaNs / 1e3) / 1e3,
  })}\n`;
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values: o } = parseFlags(argv, FLAGS);
  const ip = ipChoice(o);
  return runTcpTool(io, {
    tool: "tcpstates",
    json: o.json,
    header: header(o),
    tracing: "Tracing TCP state changes",
    durationS: o.duration,
    lost: "state changes lost (ring buffer full)",
    load: async () => (await import("./tcpstates-load.js")).loadTcpstates({ ...o, ip }),
    decode: decodeEvent,
    jsonLine,
    line: (e, at, s) => line(e, o, at, s),
  });
}

export const command: Command = toolCommand(tool, HELP, run);
