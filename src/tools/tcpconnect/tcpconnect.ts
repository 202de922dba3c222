// `tsnap tcpconnect`: every TCP connect() that sent a SYN, like bcc/libbpf-tools
// tcpconnect (same options, same layout), or counts of them per address and port (-c).
// tcpconnect.bpf.c follows each connect from sock:inet_sock_set_state (CLOSE -> SYN_SENT,
// in the connecting task) to syscalls:sys_exit_connect; this module prints the records
// (tcpconnect-report.ts) until Ctrl-C, or the counts at the end.

import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, optionalDecimalFlag, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { jsonFlag, pidFlag, timestampColumnFlag } from "../../command/flags.js";
import { waitOrAbort } from "../../platform/abortable-sleep.js";
import { runSnoopLoop } from "../snoop-tool.js";
import { portsFlag } from "../tcp-tool.js";
import { tool } from "./tcpconnect.tool.js";
import { decodeEvent, LOST_WORDS } from "./tcpconnect-records.js";
import { countJson, countTable, header, jsonLine, line } from "./tcpconnect-report.js";

const FLAGS = {
  timestamp: timestampColumnFlag("t", "the first connect"),
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
  json: jsonFlag("connect (with -c: per counter, at the end)"),
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
  requireBpfPrivilege("tcpconnect");
  const { loadTcpconnect } = await import("./tcpconnect-load.js");
  const src = loadTcpconnect({ ...o, uid: o.uid });
  if (o.count) {
    try {
      io.err("Counting TCP connects... Hit Ctrl-C to end.\n");
      await waitOrAbort(Number.POSITIVE_INFINITY, io.signal);
      const rows = src.counts();
      io.out(o.json ? countJson(rows, o.sourcePort) : countTable(rows, o.sourcePort));
      const lost = Object.values(src.lost()).reduce((a, b) => a + b, 0);
      if (lost > 0) io.err(`WARNING: ${lost} connects lost (map full)\n`);
      return 0;
    } finally {
      src.close();
    }
  }
  const loop = {
    json: o.json,
    header: header(o),
    tracing: "Tracing TCP connects",
    durationS: Number.POSITIVE_INFINITY,
    lostWords: LOST_WORDS,
  };
  return runSnoopLoop(io, loop, src, (buf, off, _len, clock) => {
    const e = decodeEvent(buf, off);
    return o.json ? jsonLine(e, clock.wall(e.ts)) : line(e, o, clock.sinceFirst(e.ts));
  });
}

export const command: Command = toolCommand(tool, HELP, run);
