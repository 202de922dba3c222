// `tsnap tcpretrans`: every TCP retransmission, or counts per connection (-c), like
// bcc/libbpf-tools tcpretrans (libbpf-tools' layout). tcpretrans.bpf.c hooks the
// tcp:tcp_retransmit_skb tracepoint; this module prints the records until Ctrl-C, or the
// counts at the end.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, jsonFlag } from "../../command/flags.js";
import { NotSupported } from "../../errors.js";
import { waitOrAbort } from "../../platform/abortable-sleep.js";
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import { runTcpEvents } from "../tcp-tool.js";
import { stateName } from "../tcpstates/tcpstates-records.js";
import { tool } from "./tcpretrans.tool.js";
import { decodeEvent, type RetransCount, type Retransmit } from "./tcpretrans-records.js";

const FLAGS = {
  count: switchFlag({
    long: "count",
    short: "c",
    help: "count retransmits per connection; print the counts at the end",
  }),
  lossprobe: switchFlag({
    long: "lossprobe",
    short: "l",
    help: "also tail loss probes (not on this kernel: see below)",
  }),
  duration: durationFlag(),
  json: jsonFlag("retransmit (with -c: per connection, at the end)"),
};

const HELP = `tsnap tcpretrans: trace TCP retransmits, or count them (bcc tcpretrans)

USAGE
  tsnap tcpretrans [-c] [-d SECONDS] [--json]

Prints one line per retransmitted TCP packet (IPv4 and IPv6): the time, the task the
kernel was running (retransmits are mostly sent from timers and softirqs: often not the
connection's process), local and remote address and port, and the connection's state.
With -c, counts them per connection instead and prints the counts at the end. From the
tcp:tcp_retransmit_skb tracepoint; only retransmits the kernel sent (those it counts in
/proc/net/snmp RetransSegs). Layout: libbpf-tools' tcpretrans. -l (tail loss probes)
needs a kprobe on tcp_send_loss_probe, which has no tracepoint: refused here. Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap tcpretrans                 every retransmit until Ctrl-C
  sudo tsnap tcpretrans -c -d 60        retransmits per connection over a minute
  sudo tsnap tcpretrans --json | jq -r '.raddr'
`;

const endpoint = (addr: string, port: number) => `${addr}:${port}`;

export const HEADER = `${"TIME".padEnd(8)} ${"PID".padEnd(6)} ${"IP".padEnd(2)} ${"LADDR:LPORT".padEnd(20)} T> ${"RADDR:RPORT".padEnd(20)} STATE\n`;

/** libbpf-tools' `%-8s %-6d %-2d %-20s %1s> %-20s %s`. Pure. */
export function line(e: Retransmit, at: Date): string {
  return `${hhmmss(at).padEnd(8)} ${String(e.pid).padEnd(6)} ${String(e.ip).padEnd(2)} ${endpoint(e.saddr, e.sport).padEnd(20)} R> ${endpoint(e.daddr, e.dport).padEnd(20)} ${stateName(e.state)}\n`;
}

export function jsonLine(e: Retransmit, at: Date): string {
  return `${toJson({
    time: at.toISOString(),
    pid: e.pid,
    ip: e.ip,
    laddr: e.saddr,
    lport: e.sport,
    raddr: e.daddr,
    rport: e.dport,
    state: stateName(e.state),
    type: "R",
  })}\n`;
}

/** -c: libbpf-tools' table (IPv4 first, then IPv6, most retransmits first). Pure. */
export function countTable(rows: readonly RetransCount[]): string {
  let s = `\n${"LADDR:LPORT".padEnd(25)} ${"RADDR:RPORT".padEnd(25)} ${"RETRANSMITS".padEnd(10)}\n`;
  for (const r of sortCounts(rows))
    s += `${endpoint(r.saddr, r.sport).padEnd(20)} <-> ${endpoint(r.daddr, r.dport).padEnd(20)} ${String(r.retransmits).padStart(10)}\n`;
  return s;
}

function sortCounts(rows: readonly RetransCount[]): RetransCount[] {
  return [...rows].sort((a, b) => a.ip - b.ip || b.retransmits - a.retransmits);
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values: o } = parseFlags(argv, FLAGS);
  if (o.lossprobe)
    throw new NotSupported(
      "tcpretrans -l",
      "tail loss probes have no tracepoint; bcc traces them with a kprobe on tcp_send_loss_probe",
    );
  requireBpfPrivilege("tcpretrans");
  const { loadTcpretrans } = await import("./tcpretrans-load.js");
  const src = loadTcpretrans(o.count);
  if (o.count) {
    try {
      io.err("Tracing retransmits ... Hit Ctrl-C to end\n");
      // The counts are read the moment Ctrl-C (or -d's end) comes, not at a later tick.
      await waitOrAbort(o.duration * 1000, io.signal);
      const rows = src.counts();
      io.out(
        o.json
          ? sortCounts(rows)
              .map(
                (r) =>
                  `${toJson({ ip: r.ip, laddr: r.saddr, lport: r.sport, raddr: r.daddr, rport: r.dport, retransmits: r.retransmits })}\n`,
              )
              .join("")
          : countTable(rows),
      );
    } finally {
      src.close();
    }
    return 0;
  }
  const loop = {
    json: o.json,
    header: HEADER,
    tracing: "Tracing retransmits",
    durationS: o.duration,
    lostWords: { ring: "retransmits lost (ring buffer full)" },
  };
  return runTcpEvents(io, loop, src, decodeEvent, { json: o.json, jsonLine, line: (e, at) => line(e, at) });
}

export const command: Command = toolCommand(tool, HELP, run);
