// `tsnap drsnoop`: every direct reclaim as it ends, with its latency and the pages it
// reclaimed, like bcc/libbpf-tools drsnoop (same options and layout; -e's free-memory
// column is not built: it reads a kernel variable by address, which this kernel's
// /proc/kallsyms does not list). drsnoop.bpf.c times the vmscan tracepoints; this module
// prints the records until Ctrl-C or -d.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, jsonFlag, pidFlag, tidFlag } from "../../command/flags.js";
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import { runSnoopLoop } from "../snoop-tool.js";
import { tool } from "./drsnoop.tool.js";
import { type DrsnoopConfig, decodeEvent, LOST_WORDS, type Reclaim } from "./drsnoop-records.js";

const FLAGS = {
  pid: pidFlag,
  tid: tidFlag("t"),
  globalOnly: switchFlag({
    long: "global",
    short: "G",
    help: "only the system's direct reclaim (as libbpf-tools), not memory cgroups' at their limit",
  }),
  duration: durationFlag(),
  json: jsonFlag("reclaim"),
};

const HELP = `tsnap drsnoop: trace direct memory reclaim, with its latency (bcc drsnoop)

USAGE
  tsnap drsnoop [-p PID] [-t TID] [-G] [-d SECONDS] [--json]

Prints one line per direct reclaim when it ends: the task that had to reclaim memory
before its allocation could go on, how long that took, and how many pages it reclaimed.
Both kinds are traced: the system's (vmscan:mm_vmscan_direct_reclaim_*, all libbpf-tools
traces) and a memory cgroup's at its limit (vmscan:mm_vmscan_memcg_reclaim_*: the stalls
of a container near its memory limit); -G keeps the first only. Runs until Ctrl-C or -d;
reclaims the kernel could not send are counted on stderr. Layout and options are
libbpf-tools' drsnoop (-e, the free-memory column, is not available). Needs root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap drsnoop                    every direct reclaim until Ctrl-C
  sudo tsnap drsnoop -p 123             one process's
  sudo tsnap drsnoop -G -d 10           10 s of system-wide direct reclaim only
  sudo tsnap drsnoop --json | jq -c 'select(.kind == "memcg") | {comm, lat_ms, pages}'
`;

interface Options extends DrsnoopConfig {
  durationS: number;
  json: boolean;
}

/** Flags → options; every bad value is a UsageError. Pure. */
export function parseOptions(argv: string[]): Options {
  const { values: v } = parseFlags(argv, FLAGS, 0);
  return { pid: v.pid ?? 0, tid: v.tid ?? 0, globalOnly: v.globalOnly, durationS: v.duration, json: v.json };
}

/** The header, as libbpf-tools prints it. Pure. */
export function header(durationS: number): string {
  const tracing = Number.isFinite(durationS) ? ` for ${durationS} secs.\n` : "... Hit Ctrl-C to end.\n";
  return `Tracing direct reclaim events${tracing}${"TIME".padEnd(8)} ${"COMM".padEnd(16)} ${"TID".padEnd(6)} ${"LAT(ms)".padStart(8)} ${"PAGES".padStart(5)}\n`;
}

/** One reclaim in libbpf-tools' layout ("%-8s %-16s %-6d %8.3f %5lld"). Pure. */
export function line(e: Reclaim, at: Date): string {
  const ms = (Number(e.deltaNs) / 1e6).toFixed(3);
  return `${hhmmss(at).padEnd(8)} ${e.comm.padEnd(16)} ${String(e.tid).padEnd(6)} ${ms.padStart(8)} ${String(e.pages).padStart(5)}\n`;
}

/** One reclaim as an NDJSON line. Pure. */
export function jsonLine(e: Reclaim, at: Date): string {
  return `${toJson({ time: at.toISOString(), pid: e.pid, tid: e.tid, comm: e.comm, kind: e.kind, lat_ms: Number(e.deltaNs) / 1e6, pages: e.pages })}\n`;
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("drsnoop");
  const { loadDrsnoop } = await import("./drsnoop-load.js");
  const src = loadDrsnoop(o);
  const loop = {
    json: o.json,
    header: header(o.durationS),
    tracing: "Tracing direct reclaim events",
    durationS: o.durationS,
    lostWords: LOST_WORDS,
  };
  return runSnoopLoop(io, loop, src, (buf, off, _len, clock) => {
    const e = decodeEvent(buf, off);
    const at = clock.wall(e.ts);
    return o.json ? jsonLine(e, at) : line(e, at);
  });
}

export const command: Command = toolCommand(tool, HELP, run);
