// `tsnap tcprtt`: TCP round-trip times as log2 histograms made in the kernel, like
// bcc/libbpf-tools tcprtt (same options, same layout). tcprtt.bpf.c counts the srtt of
// every segment an established connection receives (tcp:tcp_probe); this module parses
// the options, loads it and prints the histograms (hist-tool.ts).
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { decimalFlag, flagHelp, parseFlags, switchFlag, textFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, intervalFlag } from "../../command/flags.js";
import { UsageError } from "../../errors.js";
import { HIST_FLAGS, type HistDelta, type HistEntry, runHistLoop } from "../hist-tool.js";
import { ipChoice } from "../tcp-tool.js";
import { tool } from "./tcprtt.tool.js";
import { keyAddr, LOST_WORDS, parseAddr, type TcprttConfig } from "./tcprtt-records.js";

const portFlag = (long: string, short: string, help: string) =>
  decimalFlag({ long, short, arg: "PORT", help, min: 1, max: 65535, integer: true, fallback: 0 });

const FLAGS = {
  interval: intervalFlag({
    fallback: undefined,
    help: "seconds between reports (default: one report at the end)",
  }),
  duration: durationFlag(),
  ...HIST_FLAGS,
  lport: portFlag("lport", "p", "only this local port"),
  rport: portFlag("rport", "P", "only this remote port"),
  laddr: textFlag({ long: "laddr", short: "a", arg: "ADDR", help: "only this local address (IPv4 or IPv6)" }),
  raddr: textFlag({ long: "raddr", short: "A", arg: "ADDR", help: "only this remote address" }),
  byLaddr: switchFlag({ long: "byladdr", short: "b", help: "one histogram per local address" }),
  byRaddr: switchFlag({ long: "byraddr", short: "B", help: "one histogram per remote address" }),
  extension: switchFlag({
    long: "extension",
    short: "e",
    help: "the average RTT of each histogram ([AVG n])",
  }),
  ipv4: switchFlag({ long: "ipv4", short: "4", help: "IPv4 only" }),
  ipv6: switchFlag({ long: "ipv6", short: "6", help: "IPv6 only" }),
};

const HELP = `tsnap tcprtt: TCP round-trip times as histograms (bcc tcprtt)

USAGE
  tsnap tcprtt [-i SECONDS] [-d SECONDS] [-T] [-m] [-p LPORT] [-P RPORT] [-a LADDR]
               [-A RADDR] [-b | -B] [-e] [-4 | -6] [--json]

Counts, for every segment an established TCP connection (IPv4 and IPv6) receives, the
connection's smoothed round-trip time (the kernel's srtt, as \`ss -ti\` shows it) in a
log2 histogram in the kernel, for all connections or per local (-b) or remote (-B)
address. Prints the histograms every -i seconds, or once at the end (-d or Ctrl-C).
From the tcp:tcp_probe tracepoint (no kprobes). Options and layout are libbpf-tools'
tcprtt. Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap tcprtt                     one histogram of every RTT until Ctrl-C
  sudo tsnap tcprtt -i 1 -d 10          1-second histograms for 10 seconds
  sudo tsnap tcprtt -m -T -i 5          in ms, with the time, every 5 s
  sudo tsnap tcprtt -p 443 -e           connections on local port 443, with the average
  sudo tsnap tcprtt -A 10.0.0.7 -B      RTT to one host; per remote address
  sudo tsnap tcprtt --json -b -d 10 | jq -c '{laddr, count}'
`;

/** Flags → the kernel's config and the report loop's options; every bad value is a UsageError. Pure. */
export function parseOptions(argv: string[]) {
  const { values: v } = parseFlags(argv, FLAGS);
  if (v.byLaddr && v.byRaddr) throw new UsageError("-b and -B: one at a time");
  const config: TcprttConfig = {
    laddr: v.laddr === undefined ? undefined : parseAddr(v.laddr, "-a"),
    raddr: v.raddr === undefined ? undefined : parseAddr(v.raddr, "-A"),
    lport: v.lport,
    rport: v.rport,
    by: v.byLaddr ? "laddr" : v.byRaddr ? "raddr" : "none",
    ms: v.ms,
    ip: ipChoice(v),
  };
  // -i alone: until Ctrl-C; -d alone: one report at its end; both: ceil(d / i) reports.
  const intervalS = v.interval ?? v.duration;
  const count =
    v.duration === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : Math.ceil(v.duration / intervalS);
  const unit = v.ms ? "msecs" : "usecs";
  return { config, intervalS, count, unit, timestamp: v.timestamp, json: v.json, extension: v.extension };
}

/** libbpf-tools' line before each histogram ("All Addresses = ****** [AVG 31]"). Pure. */
export function histHead(d: HistDelta, extension: boolean, ms: boolean): string {
  let s = d.entry.head;
  if (extension) s += `[AVG ${d.total ? Math.floor(d.sumNs / (ms ? 1e6 : 1e3) / d.total) : 0}]`;
  return `${s}\n`;
}

/** What a key of the map means: its address, or all of them. Pure. */
export function entry(by: TcprttConfig["by"], key: Buffer, value: Buffer): HistEntry {
  const addr = keyAddr(key);
  if (by === "none" || addr === null)
    return { key, value, order: 0, head: "All Addresses = ****** ", fields: {} };
  const local = by === "laddr";
  return {
    key,
    value,
    order: 0,
    head: `${local ? "Local" : "Remote"} Address = ${addr} `,
    fields: { [local ? "laddr" : "raddr"]: addr },
  };
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("tcprtt");
  const { loadTcprtt } = await import("./tcprtt-load.js");
  const src = loadTcprtt(o.config, (key, value) => entry(o.config.by, key, value));
  return runHistLoop(
    io,
    {
      ...o,
      tracing: "Tracing TCP RTT",
      lostWords: LOST_WORDS,
      head: (d) => histHead(d, o.extension, o.config.ms),
    },
    src,
  );
}

export const command: Command = toolCommand(tool, HELP, run);
