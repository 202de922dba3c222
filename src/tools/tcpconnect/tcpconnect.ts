// `tsnap tcpconnect`: every TCP connect() that sent a SYN, like bcc/libbpf-tools
// tcpconnect (same options, same layout), or counts of them per address and port (-c).
// tcpconnect.bpf.c follows each connect from sock:inet_sock_set_state (CLOSE -> SYN_SENT,
// in the connecting task) to syscalls:sys_exit_connect; this module prints the records
// (tcpconnect-report.ts) until Ctrl-C, or the counts at the end.
import { setTimeout as sleep } from "node:timers/promises";
import { flagHelp, optionalDecimalFlag, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, jsonFlag, pidFlag } from "../../command/flags.js";
import { NotSupported } from "../../errors.js";
import { runSnoopLoop } from "../snoop-tool.js";
import { portsFlag } from "../tcp-tool.js";
import { tool } from "./tcpconnect.tool.js";
import { decodeEvent } from "./tcpconnect-records.js";
import { countJson, countTable, header, jsonLine, line } from "./tcpconnect-report.js";

const FLAGS = {
  timestamp: switchFlag({
    long: "timestamp",
    short: "t",
    help: "a TIME(s) column: seconds since the first connect",
  }),
  printUid: switchFlag({ long: "print-uid", short: "U", help: "a UID column" }),
  count: switchFlag({
    long: "count",
    short: "c",
    help: "count connects per source address, destination address and port; print the counts at Ctrl-C",
  }),
  sourcePort: switchFlag({
    long: "source-port",
    short: "s",
    help: "a SPORT column (with -c: the source port is part of the key)",
  }),
  pid: pidFlag,
  uid: optionalDecimalFlag({
    long: "uid",
    short: "u",
    arg: "UID",
    help: "only this user id",
    min: 0,
    max: 2 ** 32 - 2,
    integer: true,
  }),
  ports: portsFlag({
    long: "port",
    short: "P",
    help: "only these destination ports (comma-separated, at most 8)",
  }),
  duration: durationFlag(),
  json: jsonFlag("connect (with -c: per counter, at the end)"),
};

const HELP = `tsnap tcpconnect: trace TCP connect()s, or count them (bcc tcpconnect)

USAGE
  tsnap tcpconnect [-t] [-U] [-s] [-c] [-p PID] [-u UID] [-P PORTS] [-d SECONDS] [--json]

Prints one line per active TCP open (IPv4 and IPv6) that sent a SYN, when connect()
returns: the process, its addresses and the destination port; refused and non-blocking
connects included. With -c, counts them per source address, destination address and
port instead, and prints the counts at Ctrl-C. Options and layout are libbpf-tools'
tcpconnect. This kernel needs no kprobes for it: the SYN_SENT state change
(sock:inet_sock_set_state) names the process, syscalls:sys_exit_connect ends the
connect. connect()s not made by the syscall (io_uring) are not seen. Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap tcpconnect                 every connect until Ctrl-C
  sudo tsnap tcpconnect -t -U           with seconds and the user id
  sudo tsnap tcpconnect -P 80,443       connects to ports 80 and 443
  sudo tsnap tcpconnect -p 1234 -s      one process's connects, with their source ports
  sudo tsnap tcpconnect -c              counts per address and port, at Ctrl-C
  sudo tsnap tcpconnect --json | jq -c 'select(.ret != 0)'
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values: o } = parseFlags(argv, FLAGS);
  if (process.getuid?.() !== 0) throw new NotSupported("tcpconnect", "needs root (CAP_BPF and CAP_PERFMON)");
  const { loadTcpconnect } = await import("./tcpconnect-load.js");
  const src = loadTcpconnect({ ...o, uid: o.uid });
  if (o.count) {
    try {
      io.err("Counting TCP connects... Hit Ctrl-C to end.\n");
      const end = performance.now() + o.duration * 1000;
      while (!io.signal.aborted && performance.now() < end)
        await sleep(Math.min(200, Math.max(0, end - performance.now())));
      const rows = src.counts();
      io.out(o.json ? countJson(rows, o.sourcePort) : countTable(rows, o.sourcePort));
      const lost = src.lost().start;
      if (lost > 0) io.err(`WARNING: ${lost} connects not counted (map full)\n`);
    } finally {
      src.close();
    }
    return 0;
  }
  const loop = {
    json: o.json,
    header: header(o),
    tracing: "Tracing TCP connects",
    durationS: o.duration,
    lostWords: {
      ring: "connects lost (ring buffer full)",
      start: "connects lost (map of connects in progress full)",
    },
  };
  let first: bigint | undefined;
  return runSnoopLoop(io, loop, src, (buf, off, _len, clock) => {
    const e = decodeEvent(buf, off);
    first ??= e.ts;
    return o.json ? jsonLine(e, clock.wall(e.ts)) : line(e, o, Number(e.ts - first) / 1e9);
  });
}

export const command: Command = toolCommand(tool, HELP, run);
