// `tsnap trace`: one line per hit of user functions (uprobes, uretprobes), USDT probes or
// tracepoints that passes its filter, with values printed by a printf format, like bcc
// trace (trace-spec.ts). trace.bpf.c sends a record per passing hit through a ring buffer;
// this module formats them.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { decimalFlag, flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, pidFlag } from "../../command/flags.js";
import { UsageError } from "../../errors.js";
import { toJson } from "../../report/table.js";
import { resolveEach, targetName } from "../probe-targets.js";
import { tool } from "./trace.tool.js";
import { type Conversion, parseTraceSpec, type TraceSpec } from "./trace-spec.js";

const FLAGS = {
  pid: pidFlag,
  maxEvents: decimalFlag({
    long: "max-events",
    short: "M",
    arg: "N",
    help: "exit after N events (default: until Ctrl-C or -d)",
    min: 1,
    max: 1e12,
    integer: true,
    fallback: 0,
  }),
  duration: durationFlag(),
  json: switchFlag({
    long: "json",
    help: "NDJSON: one object per event (pid, tid, comm, func, message), on stdout",
  }),
};

const HELP = `tsnap trace: a line per hit of user functions, USDT probes or tracepoints, with their values (bcc trace)

USAGE
  tsnap trace [-p PID] [-M N] [-d SECONDS] [--json] 'PROBE [(FILTER)] ["FORMAT"[, ARG...]]'...

Prints one line per hit of each PROBE that passes its FILTER: the process, thread, name,
function or event, and the FORMAT filled with the ARGs read in the kernel. Needs root.

PROBE   p:LIB:func, LIB:func (entry), r:LIB:func (return), u:LIB:provider:probe (USDT),
        t:category:event (bcc's probe syntax, as funccount; a pattern may match several)
FILTER  C's operators on integers (|| && | ^ & == != < <= > >= << >> + - * / % ! - ~),
        strings beside == and != ("text"); run in the kernel
FORMAT  printf: %d %i %u %x %X %o %c %s %p %%, with l ll h hh z, a width (%-8s)
ARG     arg1..arg6 (a function's parameters; a USDT probe's arguments), retval (r:),
        args->FIELD (tracepoints; tsnap tracepoints -v lists the fields)

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap trace 't:syscalls:sys_enter_openat "%s", args->filename'
  sudo tsnap trace 'p:c:open (arg2 == 1) "%s", arg1'                 open()s for writing only
  sudo tsnap trace 't:syscalls:sys_enter_read (args->count > 4096) "%lu", args->count'
  sudo tsnap trace 't:syscalls:sys_enter_openat (args->filename == "/etc/passwd")'
  sudo tsnap trace -p 1234 'c:malloc (arg1 >= 1048576) "size=%lu", arg1' 'r:c:malloc "=%p", retval'
  sudo tsnap trace 'u:/opt/app/bin/server:app:request (arg2 >= 500) "%s %d", arg1, arg2'
  sudo tsnap trace 'r:/usr/bin/bash:readline "%s", retval'
  sudo tsnap trace -M 10 't:sched:sched_process_exec "%s", args->filename'
`;

interface Options {
  specs: TraceSpec[];
  pid: number | null;
  maxEvents: number;
  durationS: number;
  json: boolean;
}

/** Flags → options; every bad value is a UsageError. Pure. */
export function parseOptions(argv: string[]): Options {
  const { values: v, positionals } = parseFlags(argv, FLAGS, Infinity);
  if (positionals.length === 0)
    throw new UsageError(`no PROBE (e.g. 't:syscalls:sys_enter_openat "%s", args->filename')`);
  return {
    specs: positionals.map(parseTraceSpec),
    pid: v.pid,
    maxEvents: v.maxEvents,
    durationS: v.duration,
    json: v.json,
  };
}

function pad(s: string, width: number): string {
  return width < 0 ? s.padEnd(-width) : s.padStart(width);
}

/** One value as its conversion prints it. Pure. */
export function formatValue(c: Conversion, v: bigint, str: string): string {
  const bits = BigInt(c.size * 8);
  const u = BigInt.asUintN(Number(bits), v);
  let s: string;
  switch (c.conv) {
    case "s":
      s = str;
      break;
    case "d":
    case "i":
      s = String(BigInt.asIntN(Number(bits), v));
      break;
    case "u":
      s = String(u);
      break;
    case "x":
      s = u.toString(16);
      break;
    case "X":
      s = u.toString(16).toUpperCase();
      break;
    case "o":
      s = u.toString(8);
      break;
    case "c":
      s = String.fromCharCode(Number(u & 0xffn));
      break;
    default:
      s = `0x${u.toString(16)}`;
  }
  return pad(s, c.width);
}

/** The FORMAT filled with a record's values. Pure. */
export function formatMessage(spec: TraceSpec, vals: readonly bigint[], strs: readonly string[]): string {
  let out = spec.pieces[0];
  spec.convs.forEach((c, i) => {
    out += formatValue(c, vals[i] ?? 0n, strs[i] ?? "") + spec.pieces[i + 1];
  });
  return out.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "?");
}

/** bcc trace's header and row layout. Pure. */
export const HEADER = `${"PID".padEnd(7)} ${"TID".padEnd(7)} ${"COMM".padEnd(15)} ${"FUNC".padEnd(16)} -\n`;
export function row(pid: number, tid: number, comm: string, func: string, msg: string): string {
  return `${String(pid).padEnd(7)} ${String(tid).padEnd(7)} ${comm.padEnd(15)} ${func.padEnd(16)} ${msg}\n`;
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("trace");
  const { decodeEvent, loadTrace, traceTable } = await import("./trace-load.js");
  const found = resolveEach(o.specs, (s) => s.probe, "trace", o.pid);
  const targets = found.map((f) => f.target);
  const specOf = found.map((f) => f.item);
  const tables = found.map((f) => traceTable(f.item, f.target));
  const src = loadTrace(targets, tables, o.pid);
  try {
    if (o.json) io.err(`Tracing ${targets.length} probes... Hit Ctrl-C to end.\n`);
    else io.out(HEADER);
    const end = Date.now() + (Number.isFinite(o.durationS) ? o.durationS * 1000 : 2 ** 40);
    let seen = 0;
    let lostSeen = 0;
    while (!io.signal.aborted && Date.now() < end && (o.maxEvents === 0 || seen < o.maxEvents)) {
      await src.ring.wait(Math.min(250, Math.max(1, end - Date.now())));
      let text = "";
      src.ring.drain((b, off) => {
        const e = decodeEvent(b, off);
        const spec = specOf[e.probe];
        if (!spec) return false;
        const func = targetName(targets[e.probe]);
        const at = tables[e.probe].valueSlots;
        const message = formatMessage(
          spec,
          at.map((s) => e.vals[s]),
          at.map((s) => e.strs[s]),
        );
        text += o.json
          ? `${toJson({ pid: e.pid, tid: e.tid, comm: e.comm, func, message })}\n`
          : row(e.pid, e.tid, e.comm, func, message);
        seen++;
        return o.maxEvents > 0 && seen >= o.maxEvents;
      });
      if (text) io.out(text);
      if (io.signal.reason === "EPIPE") return 0;
      const lost = src.ring.lost();
      if (lost > lostSeen) io.err(`WARNING: ${lost - lostSeen} events lost (ring buffer full)\n`);
      lostSeen = lost;
    }
  } finally {
    src.close();
  }
  return 0;
}

export const command: Command = toolCommand(tool, HELP, run);
