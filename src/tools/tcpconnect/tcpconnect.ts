// `tsnap tcpconnect`: every TCP connect() that sent a SYN, like bcc/libbpf-tools
// tcpconnect (same options, same layout), or counts of them per address and port (-c).
// tcpconnect.bpf.c follows each connect from sock:inet_sock_set_state (CLOSE -> SYN_SENT,
// in the connecting task) to syscalls:sys_exit_connect; this module prints the records
// (tcpconnect-report.ts) until Ctrl-C, or the counts at the end.
import { setTimeout as sleep } from "node:timers/promises";
import { flagHelp, optionalDecimalFlag, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { pidFlag } from "../../command/flags.js";
import { NotSupported } from "../../errors.js";
import { portsFlag, streamRing, wallClock } from "../tcp-tool.js";
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
  json: switchFlag({
    long: "json",
    help: "NDJSON on stdout: one object per connect (with -c: per counter, at the end)",
  }),
};

const HELP = `tsnap tcpconnect: trace TCP connect()s, or count them (bcc tcpconnect)

USAGE
  tsnap tcpconnect [-t] [-U] [-s] [-c] [-p PID] [-u UID] [-P PORTS] [--json]

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
  try {
    if (o.count) {
      io.err("Counting TCP connects... Hit Ctrl-C to end.\n");
      while (!io.signal.aborted) await sleep(200);
      const rows = src.counts();
      io.out(o.json ? countJson(rows, o.sourcePort) : countTable(rows, o.sourcePort));
      if (src.lost() > 0) io.err(`WARNING: ${src.lost()} connects lost (map full)\n`);
      return 0;
    }
    if (o.json) io.err("Tracing TCP connects... Hit Ctrl-C to end.\n");
    else io.out(header(o));
    let first: bigint | undefined;
    const wall = wallClock();
    await streamRing(
      io,
      src.ring,
      (buf, off) => {
        const e = decodeEvent(buf, off);
        first ??= e.ts;
        return o.json ? jsonLine(e, wall(e.ts)) : line(e, o, Number(e.ts - first) / 1e9);
      },
      () => src.lost(),
      "connects",
    );
  } finally {
    src.close();
  }
  return 0;
}

export const command: Command = toolCommand(tool, HELP, run);
