// `tsnap tcpsynbl`: the length of listeners' accept queues when each connection joins
// them, as log2 histograms per backlog limit, like libbpf-tools tcpsynbl (same options,
// same layout). tcpsynbl.bpf.c counts them on sock:inet_sock_set_state (LISTEN ->
// SYN_RECV of the new socket); this module prints the histograms (hist-tool.ts).
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import {
  INTERVAL_COUNT_ARGS,
  type IntervalCount,
  jsonFlag,
  parseIntervalCount,
  timeLineFlag,
} from "../../command/flags.js";
import { type HistEntry, runHistLoop } from "../hist-tool.js";
import { familyOf, ipChoice } from "../tcp-tool.js";
import { tool } from "./tcpsynbl.tool.js";

const FLAGS = {
  timestamp: timeLineFlag,
  ipv4: switchFlag({ long: "ipv4", short: "4", help: "IPv4 listeners only" }),
  ipv6: switchFlag({ long: "ipv6", short: "6", help: "IPv6 listeners only" }),
  json: jsonFlag("histogram per report"),
};

const HELP = `tsnap tcpsynbl: TCP SYN backlog (accept queue) length as histograms (bcc tcpsynbl)

USAGE
  tsnap tcpsynbl [-T] [-4 | -6] [--json] [interval [count]]

For every connection a TCP listener completes (the handshake's last ACK arrives and the
kernel makes the connection's socket), counts how many completed connections were
already waiting in the listener's accept queue (sk_ack_backlog), in a log2 histogram per
backlog limit (sk_max_ack_backlog: listen()'s backlog, capped by net.core.somaxconn).
A queue near its limit means the server accepts too slowly; at the limit, handshakes
are dropped (TcpExt ListenOverflows). Prints the histograms every interval seconds,
count times, or once at Ctrl-C. From sock:inet_sock_set_state (the new socket's LISTEN
-> SYN_RECV, which carries the listener's two values): no kprobes. Options and layout
are libbpf-tools' tcpsynbl. Needs root.

OPTIONS
${flagHelp(FLAGS, true, INTERVAL_COUNT_ARGS)}
EXAMPLES
  sudo tsnap tcpsynbl                   one histogram per backlog limit until Ctrl-C
  sudo tsnap tcpsynbl 1 10              1-second histograms, 10 times
  sudo tsnap tcpsynbl -T 1              every second, with the time
  sudo tsnap tcpsynbl -6                IPv6 listeners only
  sudo tsnap tcpsynbl --json 5 | jq -c '{backlog_max, count}'
`;

export interface Options extends IntervalCount {
  timestamp: boolean;
  json: boolean;
  ip?: 4 | 6;
}

/** Flags → options; every bad value is a UsageError. Pure. */
export function parseOptions(argv: string[]): Options {
  const { values: v, positionals } = parseFlags(argv, FLAGS, 2);
  return { ...parseIntervalCount(positionals), timestamp: v.timestamp, json: v.json, ip: ipChoice(v) };
}

/** The bytes of `const volatile struct tcpsynbl_config cfg`. Pure. */
export function configBytes(ip: 4 | 6 | undefined): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(familyOf(ip), 0);
  return b;
}

/** A key of the map (the backlog limit) as libbpf-tools heads it: "backlog_max = 128". Pure. */
export function entry(key: Buffer, value: Buffer): HistEntry {
  const max = key.readUInt32LE(0);
  return { key, value, order: max, head: `backlog_max = ${max}\n`, fields: { backlog_max: max } };
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("tcpsynbl");
  const { loadTcpsynbl } = await import("./tcpsynbl-load.js");
  const src = loadTcpsynbl(configBytes(o.ip), entry);
  return runHistLoop(
    io,
    {
      ...o,
      unit: "backlog",
      tracing: "Tracing SYN backlog size",
      lostWords: { hist: "connections not counted: the map of histograms was full" },
    },
    src,
  );
}

export const command: Command = toolCommand(tool, HELP, run);
