// `tsnap tcpconnlat`: the latency of every active TCP open, like bcc/libbpf-tools
// tcpconnlat (same options, same layout). tcpconnlat.bpf.c times each socket from
// SYN_SENT to ESTABLISHED on sock:inet_sock_set_state; this module prints the records
// until Ctrl-C.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, jsonFlag, pidFlag, timestampColumnFlag } from "../../command/flags.js";
import { UsageError } from "../../errors.js";
import { parseDecimal } from "../../platform/decimal.js";
import { toJson } from "../../report/table.js";
import { ipChoice, runTcpEvents } from "../tcp-tool.js";
import { tool } from "./tcpconnlat.tool.js";
import { type ConnectLatency, decodeEvent, LOST_WORDS } from "./tcpconnlat-records.js";

const FLAGS = {
  timestamp: timestampColumnFlag("t", "the first connect"),
  lport: switchFlag({ long: "lport", short: "L", help: "an LPORT column (the local port)" }),
  pid: pidFlag,
  ipv4: switchFlag({ long: "ipv4", short: "4", help: "IPv4 only" }),
  ipv6: switchFlag({ long: "ipv6", short: "6", help: "IPv6 only" }),
  duration: durationFlag(),
  json: jsonFlag("connect"),
};

const ARGS = [
  { name: "min_ms", help: "only connects slower than this many ms (decimals allowed: 0.1 = 100 µs)" },
];

const HELP = `tsnap tcpconnlat: trace TCP connects and their latency (bcc tcpconnlat)

USAGE
  tsnap tcpconnlat [-t] [-L] [-p PID] [-4 | -6] [-d SECONDS] [--json] [min_ms]

Prints one line per TCP connect (IPv4 and IPv6) that completed its handshake: the
process, its addresses, the destination port and the latency in ms, from the SYN_SENT
state change (made by connect(), in the process) to ESTABLISHED (the SYN-ACK arrived).
A lost SYN is in the latency (resent after 1 s). Refused and timed-out connects are not
shown, as in bcc. Options and layout are libbpf-tools' tcpconnlat; all from the
sock:inet_sock_set_state tracepoint (no kprobes). Needs root.

OPTIONS
${flagHelp(FLAGS, true, ARGS)}
EXAMPLES
  sudo tsnap tcpconnlat                 every connect until Ctrl-C
  sudo tsnap tcpconnlat 1               only connects slower than 1 ms
  sudo tsnap tcpconnlat 0.1 -L          slower than 100 µs, with the local port
  sudo tsnap tcpconnlat -t -p 185       one process, with seconds since the first
  sudo tsnap tcpconnlat --json | jq -c 'select(.lat_ms > 100)'
`;

interface ReportOptions {
  timestamp: boolean;
  lport: boolean;
}

/** libbpf-tools' header: [TIME(s)] PID COMM IP SADDR [LPORT] DADDR DPORT LAT(ms). Pure. */
export function header(o: ReportOptions): string {
  let h = o.timestamp ? `${"TIME(s)".padEnd(9)} ` : "";
  h += `${"PID".padEnd(6)} ${"COMM".padEnd(12)} ${"IP".padEnd(2)} ${"SADDR".padEnd(16)} `;
  if (o.lport) h += `${"LPORT".padEnd(6)} `;
  return `${h}${"DADDR".padEnd(16)} ${"DPORT".padEnd(5)} LAT(ms)\n`;
}

/** libbpf-tools' `%-6d %-12.12s %-2d %-16s [%-6d] %-16s %-5d %.2f`. Pure. */
export function line(e: ConnectLatency, o: ReportOptions, sinceS: number): string {
  let s = o.timestamp ? `${sinceS.toFixed(3).padEnd(9)} ` : "";
  s += `${String(e.pid).padEnd(6)} ${e.comm.slice(0, 12).padEnd(12)} ${String(e.ip).padEnd(2)} ${e.saddr.padEnd(16)} `;
  if (o.lport) s += `${String(e.sport).padEnd(6)} `;
  return `${s}${e.daddr.padEnd(16)} ${String(e.dport).padEnd(5)} ${(e.deltaNs / 1e6).toFixed(2)}\n`;
}

export function jsonLine(e: ConnectLatency, at: Date): string {
  return `${toJson({
    time: at.toISOString(),
    pid: e.pid,
    comm: e.comm,
    ip: e.ip,
    saddr: e.saddr,
    lport: e.sport,
    daddr: e.daddr,
    dport: e.dport,
    lat_ms: Math.round(e.deltaNs / 1e3) / 1e3,
  })}\n`;
}

/** The min_ms positional: a decimal number of ms, more than 0; 0 when absent. */
export function parseMinMs(positionals: readonly string[]): number {
  if (positionals.length === 0) return 0;
  const n = parseDecimal(positionals[0]);
  if (n === null || n <= 0)
    throw new UsageError(`min_ms must be a number of ms more than 0, got '${positionals[0]}'`);
  return n;
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values: o, positionals } = parseFlags(argv, FLAGS, 1);
  const ip = ipChoice(o);
  const minMs = parseMinMs(positionals);
  requireBpfPrivilege("tcpconnlat");
  const { loadTcpconnlat } = await import("./tcpconnlat-load.js");
  const src = loadTcpconnlat({ minMs, pid: o.pid, ip });
  const loop = {
    json: o.json,
    header: header(o),
    tracing: "Tracing TCP connect latency",
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
