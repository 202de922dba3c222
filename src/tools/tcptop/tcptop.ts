// `tsnap tcptop`: TCP bytes per process and connection, every interval, like
// bcc/libbpf-tools tcptop (same options, same layout). tcptop.bpf.c counts the bytes of
// every send and receive on a TCP socket (sock:sock_send_length, sock_recv_length); this
// module prints the differences between reads (tcptop-report.ts).
import { readFileSync } from "node:fs";
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { cgroupFlag, jsonFlag, pidFlag } from "../../command/flags.js";
import { ipChoice } from "../tcp-tool.js";
import { runTopLoop, TOP_ARGS, topFlags, topTimes } from "../top-tool.js";
import { tool } from "./tcptop.tool.js";
import { LOST_WORDS, type TopProtocol } from "./tcptop-records.js";
import { pidWidth, renderJson, renderText, SORTS, sortRows } from "./tcptop-report.js";

const { noclear, rows, sort } = topFlags({
  rowsArg: "ROWS",
  sortHelp: "order of the rows: all (bytes both ways), sent, received (default all)",
  sorts: SORTS,
  sortFallback: "all",
});

export const FLAGS = {
  pid: pidFlag,
  cgroup: cgroupFlag(),
  ipv4: switchFlag({ long: "ipv4", short: "4", help: "IPv4 only" }),
  ipv6: switchFlag({ long: "ipv6", short: "6", help: "IPv6 only" }),
  nosummary: switchFlag({ long: "nosummary", short: "S", help: "no time and loadavg line" }),
  noclear,
  sort,
  rows,
  json: jsonFlag("process and connection per report"),
};

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
${flagHelp(FLAGS, true, TOP_ARGS)}
EXAMPLES
  sudo tsnap tcptop                     every second until Ctrl-C
  sudo tsnap tcptop -C 5 10             5-second reports, 10 times, without clearing
  sudo tsnap tcptop -p 1216 -s sent     one process, most sent first
  sudo tsnap tcptop -c /sys/fs/cgroup/system.slice/nginx.service
  sudo tsnap tcptop --json 10 1 | jq -c '{comm, rport, rx_bytes}'
`;

/** tcptop, and udptop (the same counters for UDP sockets). */
export async function runTop(argv: string[], io: Io, protocol: TopProtocol): Promise<number> {
  const { values: o, positionals } = parseFlags(argv, FLAGS, 2);
  const ip = ipChoice(o);
  // A whole number of seconds, as libbpf-tools' tcptop takes it.
  const times = topTimes(positionals, true);
  const name = protocol === 17 ? "udp" : "tcp";
  const width = pidWidth(readFileSync("/proc/sys/kernel/pid_max", "utf8"));
  return runTopLoop(io, {
    ...times,
    noclear: o.noclear,
    json: o.json,
    nosummary: o.nosummary,
    name: `${name}top`,
    tracing: `Tracing ${name.toUpperCase()} traffic`,
    lostWords: LOST_WORDS,
    open: async () =>
      (await import("./tcptop-load.js")).loadTcptop({ protocol, pid: o.pid, ip, cgroup: o.cgroup }),
    order: (rows) => sortRows(rows, o.sort, o.rows),
    text: (rows, loadavg, at) => renderText(rows, { loadavg, pidWidth: width }, at),
    ndjson: renderJson,
  });
}

export const command: Command = toolCommand(tool, HELP, (argv, io) => runTop(argv, io, 6));
