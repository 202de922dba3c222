// `tsnap udptop`: UDP bytes per process and socket, every interval: tcptop's counters and
// report (tcptop.ts runTop) for UDP sockets. bcc has no UDP tool of this kind; the same
// tracepoints (sock:sock_send_length, sock_recv_length) see every UDP send and receive.
import { flagHelp } from "../../command/args.js";
import { type Command, toolCommand } from "../../command/command.js";
import { FLAGS, runTop } from "../tcptop/tcptop.js";
import { TOP_ARGS } from "../top-tool.js";
import { tool } from "./udptop.tool.js";

const HELP = `tsnap udptop: UDP bytes per process and socket, like top (tcptop for UDP)

USAGE
  tsnap udptop [-p PID] [-c CGROUP] [-4 | -6] [-S] [-C] [-s SORT] [-r ROWS] [--json]
               [interval] [count]

Every interval (default 1 s), the KB each process received and sent on each UDP socket
(IPv4 and IPv6) during it, most first: the socket's local address and port, its remote
one when it is connected (connect()), else 0.0.0.0:0 or [::]:0 (the peers of sendto()
and recvfrom() are per datagram and not in the socket), RX_KB and TX_KB. Counted in the
kernel at every send and receive on a UDP socket (sock:sock_send_length and
sock_recv_length, in the calling process; no kprobes): payload bytes, not headers.
Options and layout are tsnap tcptop's. Needs root.

OPTIONS
${flagHelp(FLAGS, true, TOP_ARGS)}
EXAMPLES
  sudo tsnap udptop                     every second until Ctrl-C
  sudo tsnap udptop -C 5 10             5-second reports, 10 times, without clearing
  sudo tsnap udptop -p 1216 -s received one process, most received first
  sudo tsnap udptop --json 10 1 | jq -c '{comm, lport, rx_bytes}'
`;

export const command: Command = toolCommand(tool, HELP, (argv, io) => runTop(argv, io, 17));
