// `tsnap tcptop`: TCP bytes per process and connection, every interval, like
// bcc/libbpf-tools tcptop (same options, same layout). tcptop.bpf.c counts the bytes of
// every send and receive on a TCP socket (sock:sock_send_length, sock_recv_length); this
// module prints the differences between reads (tcptop-report.ts).
import { readFileSync } from "node:fs";
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { decimalFlag, flagHelp, oneOfFlag, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { cgroupFlag, jsonFlag, pidFlag } from "../../command/flags.js";
import { UsageError } from "../../errors.js";
import { waitOrAbort } from "../../platform/abortable-sleep.js";
import { ipChoice } from "../tcp-tool.js";
import { tool } from "./tcptop.tool.js";
import { LOST_WORDS, type TopProtocol } from "./tcptop-records.js";
import { pidWidth, renderJson, renderText, sortRows, trafficDeltas } from "./tcptop-report.js";

export const FLAGS = {
  pid: pidFlag,
  cgroup: cgroupFlag(),
  ipv4: switchFlag({ long: "ipv4", short: "4", help: "IPv4 only" }),
  ipv6: switchFlag({ long: "ipv6", short: "6", help: "IPv6 only" }),
  nosummary: switchFlag({ long: "nosummary", short: "S", help: "no time and loadavg line" }),
  noclear: switchFlag({ long: "noclear", short: "C", help: "do not clear the screen between reports" }),
  sort: oneOfFlag({
    long: "sort",
    short: "s",
    arg: "SORT",
    help: "order of the rows: all (bytes both ways), sent, received (default all)",
    choices: ["all", "sent", "received"],
    fallback: "all",
  }),
  rows: decimalFlag({
    long: "rows",
    short: "r",
    arg: "ROWS",
    help: "at most ROWS rows per report (default 20)",
    min: 1,
    max: 10240,
    integer: true,
    fallback: 20,
  }),
  json: jsonFlag("process and connection per report"),
};

export const ARGS = [
  { name: "interval", help: "seconds between reports (default 1)" },
  { name: "count", help: "number of reports (default: until Ctrl-C)" },
];

const HELP = `tsnap tcptop: TCP bytes per process and connection, like top (bcc tcptop)

USAGE
  tsnap tcptop [-p PID] [-c CGROUP] [-4 | -6] [-S] [-C] [-s SORT] [-r ROWS] [--json]
               [interval] [count]

Every interval (default 1 s), the KB each process received and sent on each TCP
connection (IPv4 and IPv6) during it, most first: the local and remote address and port,
RX_KB and TX_KB. Counted in the kernel at every send and receive on a TCP socket
(send, write, recv, read, ...: sock:sock_send_length and sock_recv_length, in the calling
process; no kprobes). The screen is cleared between reports on a terminal unless -C.
Options and layout are libbpf-tools' tcptop. Needs root.

OPTIONS
${flagHelp(FLAGS, true, ARGS)}
EXAMPLES
  sudo tsnap tcptop                     every second until Ctrl-C
  sudo tsnap tcptop -C 5 10             5-second reports, 10 times, without clearing
  sudo tsnap tcptop -p 1216 -s sent     one process, most sent first
  sudo tsnap tcptop -c /sys/fs/cgroup/system.slice/nginx.service
  sudo tsnap tcptop --json 10 1 | jq -c '{comm, rport, rx_bytes}'
`;

/** The positionals: interval (a whole number of seconds, as libbpf-tools) and count. Pure. */
export function parsePositionals(p: readonly string[]): { intervalS: number; count: number } {
  const num = (t: string, what: string) => {
    if (!/^\d+$/.test(t) || Number(t) < 1)
      throw new UsageError(`${what} must be a whole number of at least 1, got '${t}'`);
    return Number(t);
  };
  return {
    intervalS: p[0] === undefined ? 1 : num(p[0], "interval"),
    count: p[1] === undefined ? Number.POSITIVE_INFINITY : num(p[1], "count"),
  };
}

/** The loop of tcptop, and of udptop (the same counters for UDP sockets). */
export async function runTop(argv: string[], io: Io, protocol: TopProtocol): Promise<number> {
  const { values: o, positionals } = parseFlags(argv, FLAGS, 2);
  const ip = ipChoice(o);
  const { intervalS, count } = parsePositionals(positionals);
  const name = protocol === 17 ? "udp" : "tcp";
  requireBpfPrivilege(`${name}top`);
  const { loadTcptop } = await import("./tcptop-load.js");
  const src = loadTcptop({ protocol, pid: o.pid, ip, cgroup: o.cgroup });
  const width = pidWidth(readFileSync("/proc/sys/kernel/pid_max", "utf8"));
  try {
    io.err(`Tracing ${name.toUpperCase()} traffic... Hit Ctrl-C to end.\n`);
    let prev = new Map<string, Buffer>();
    let lostSeen = 0;
    for (let n = 1; ; n++) {
      const aborted = io.signal.aborted || (await waitOrAbort(intervalS * 1000, io.signal));
      if (io.signal.reason === "EPIPE") return 0;
      const now = src.read();
      const at = new Date();
      const { rows, idle } = trafficDeltas(prev, now);
      const shown = sortRows(rows, o.sort, o.rows);
      if (o.json) io.out(renderJson(shown, at));
      else {
        const loadavg = o.nosummary ? null : readFileSync("/proc/loadavg", "utf8");
        io.out(
          (io.isTTY && !o.noclear ? "\x1b[H\x1b[2J" : "") +
            renderText(shown, { loadavg, pidWidth: width }, at),
        );
      }
      const lost = src.lost().map;
      if (lost > lostSeen) io.err(`WARNING: ${lost - lostSeen} ${LOST_WORDS.map}\n`);
      lostSeen = lost;
      if (aborted || n >= count) break;
      // Keys that moved nothing for a whole interval go (a connection closed), so the map
      // cannot fill up with them; the others are the base of the next differences.
      const idleIds = new Set(idle.filter((k) => prev.has(k.toString("hex"))).map((k) => k.toString("hex")));
      src.forget(idle.filter((k) => idleIds.has(k.toString("hex"))));
      prev = new Map(
        now.filter(([k]) => !idleIds.has(k.toString("hex"))).map(([k, v]) => [k.toString("hex"), v]),
      );
    }
  } finally {
    src.close();
  }
  return 0;
}

export const command: Command = toolCommand(tool, HELP, (argv, io) => runTop(argv, io, 6));
