// `tsnap javagc`: the length of each garbage collection of one HotSpot JVM, like
// libbpf-tools javagc (same options, same layout). javagc.bpf.c times each collection
// between HotSpot's USDT probes (gc__begin → gc__end; mem__pool__gc__begin → end when a
// collection has no gc__begin) and sends those longer than -t; this module prints them
// until Ctrl-C or -d.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { decimalFlag, flagHelp, parseFlags } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, jsonFlag, pidFlag } from "../../command/flags.js";
import { UsageError } from "../../errors.js";
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import { runSnoopLoop } from "../snoop-tool.js";
import { tool } from "./javagc.tool.js";
import { type Collection, EVENT, LOST_WORDS } from "./javagc-records.js";

const FLAGS = {
  pid: { ...pidFlag, help: "the JVM's process (required)" },
  time: decimalFlag({
    long: "time",
    short: "t",
    arg: "TIME",
    help: "only collections longer than TIME µs (default 1000)",
    fallback: 1000,
    min: 0,
    max: 3600e6,
    integer: true,
  }),
  duration: durationFlag(),
  json: jsonFlag("collection"),
};

const HELP = `tsnap javagc: the length of each garbage collection of a Java VM (bcc javagc)

USAGE
  tsnap javagc -p PID [-t TIME] [-d SECONDS] [--json]

Prints one line per garbage collection of the HotSpot JVM -p names that lasted longer
than -t µs (default 1000), when it ends: the CPU it ended on, the process and GC TIME in
µs. Timed in the kernel between the USDT probes of the JVM's libjvm.so
(hotspot:gc__begin → gc__end around each collection's pause; mem__pool__gc__begin → end
for a collection without them), attached for that process only. Needs a JVM built with
its USDT probes (Debian's OpenJDK 17 is; no -XX flag needed).
Runs until Ctrl-C or -d. Layout is libbpf-tools' javagc. Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap javagc -p 185              collections over 1 ms until Ctrl-C
  sudo tsnap javagc -p 185 -t 100       collections over 100 µs
  sudo tsnap javagc -p 185 -t 0 --json | jq -c '{time, gc_us}'
`;

export const HEADER = `${"TIME".padEnd(8)} ${"CPU".padEnd(7)} ${"PID".padEnd(7)} ${"GC TIME".padEnd(7)}\n`;

/** One collection as libbpf-tools prints it (GC TIME in whole µs); `at`: its end's wall time. Pure. */
export function line(e: Collection, at: Date): string {
  const us = String(e.gc_ns / 1000n);
  return `${hhmmss(at).padEnd(8)} ${String(e.cpu).padEnd(7)} ${String(e.pid).padEnd(7)} ${us.padEnd(7)}\n`;
}

export function jsonLine(e: Collection, at: Date): string {
  const fields = { time: at.toISOString(), cpu: e.cpu, pid: e.pid, tid: e.tid };
  return `${toJson({ ...fields, gc_us: Number(e.gc_ns) / 1000, pools_only: e.pools_only !== 0 })}\n`;
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values: v } = parseFlags(argv, FLAGS, 0);
  if (v.pid === null) throw new UsageError("javagc needs -p PID: the JVM to trace");
  requireBpfPrivilege("javagc");
  const { loadJavagc } = await import("./javagc-load.js");
  const src = loadJavagc(v.pid, v.time);
  if (!v.json) io.err("Tracing javagc time... Hit Ctrl-C to end.\n");
  const loop = {
    json: v.json,
    header: HEADER,
    tracing: "Tracing javagc time",
    durationS: v.duration,
    lostWords: LOST_WORDS,
  };
  return runSnoopLoop(io, loop, src, (buf, off, _len, clock) => {
    const e = EVENT.decode(buf, off);
    return v.json ? jsonLine(e, clock.wall(e.ts)) : line(e, clock.wall(e.ts));
  });
}

export const command: Command = toolCommand(tool, HELP, run);
