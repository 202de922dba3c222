// `tsnap funccount`: calls of user functions (uprobes) and hits of tracepoints counted in
// the kernel, by bcc's probe patterns ("c:str*", "t:syscalls:sys_enter_*"), like bcc
// funccount (same options, same layout). Patterns are resolved by probe-targets.ts, the
// counting is funccount.bpf.c (one counter per probe), this module prints the counts.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, intervalFlag, jsonFlag, pidFlag, timeLineFlag } from "../../command/flags.js";
import { UsageError } from "../../errors.js";
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import { type ProbeTarget, resolveSpecs, targetName } from "../probe-targets.js";
import { reportLoop } from "../report-loop.js";
import { tool } from "./funccount.tool.js";

const FLAGS = {
  pid: pidFlag,
  interval: intervalFlag({ fallback: 0, help: "print the counts every SECONDS (default: once, at the end)" }),
  duration: durationFlag(),
  timestamp: timeLineFlag,
  regexp: switchFlag({
    long: "regexp",
    short: "r",
    help: "the function and event parts are regular expressions (default: * and ? wildcards)",
  }),
  json: jsonFlag("probe with calls per report"),
};

const HELP = `tsnap funccount: count calls of user functions or hits of tracepoints (bcc funccount)

USAGE
  tsnap funccount [-p PID] [-i SECONDS] [-d SECONDS] [-T] [-r] [--json] PATTERN...

Counts in the kernel every call of the functions (uprobes) or every hit of the
tracepoints that PATTERN names, and prints the counts at the end (Ctrl-C, or -d) or every
interval. Options and layout are bcc's funccount. Needs root.

PATTERN (bcc's probe syntax; * and ? are wildcards, or regular expressions with -r)
  LIB:func, p:LIB:func   functions of a library or program: LIB is a path, a library
                         name looked up like the dynamic linker (c, libc, pthread) or a
                         program in PATH (bash)
  t:category:event       tracepoints (tsnap tracepoints lists them)
  u:LIB:provider:probe   USDT probes (<sys/sdt.h>; semaphores are set while attached)
  k:func, func           kernel functions: not on kernels without kprobes (one line says so)

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  sudo tsnap funccount c:malloc                     malloc calls until Ctrl-C
  sudo tsnap funccount 'c:str*' -d 5                every libc str* function for 5 s
  sudo tsnap funccount -p 1234 -i 1 'c:pthread_mutex_*lock'
  sudo tsnap funccount 't:syscalls:sys_enter_*' -d 2   every syscall's entries
  sudo tsnap funccount -r 'c:^(malloc|free)$'       a regular expression
  sudo tsnap funccount /usr/bin/bash:readline       a program's own function
  sudo tsnap funccount 'u:/usr/bin/python3:python:*' -d 5   USDT probes
`;

interface Options {
  patterns: string[];
  pid: number | null;
  intervalS: number;
  durationS: number;
  timestamp: boolean;
  regex: boolean;
  json: boolean;
}

/** Flags → options; every bad value is a UsageError. Pure. */
export function parseOptions(argv: string[]): Options {
  const { values: v, positionals } = parseFlags(argv, FLAGS, Infinity);
  if (positionals.length === 0) throw new UsageError("no PATTERN (e.g. c:malloc, t:sched:sched_switch)");
  return {
    patterns: positionals,
    pid: v.pid,
    intervalS: v.interval,
    durationS: v.duration,
    timestamp: v.timestamp,
    regex: v.regexp,
    json: v.json,
  };
}

export interface CountRow {
  name: string;
  count: number;
}

/** bcc funccount's report: "FUNC COUNT" rows, least first, zero counts left out. Pure. */
export function renderCounts(rows: readonly CountRow[], at: Date | null): string {
  let out = "\n";
  if (at) out += `${hhmmss(at).padEnd(8)}\n`;
  out += `${"FUNC".padEnd(36)} ${"COUNT".padStart(8)}\n`;
  for (const r of [...rows].filter((r) => r.count > 0).sort((a, b) => a.count - b.count))
    out += `${r.name.padEnd(36)} ${String(r.count).padStart(8)}\n`;
  return out;
}

/** Counts since the previous read, by probe; names shared by several probes (two libraries) are summed. Pure. */
export function countRows(
  targets: readonly ProbeTarget[],
  now: readonly number[],
  prev: readonly number[],
): CountRow[] {
  const byName = new Map<string, number>();
  targets.forEach((t, i) => {
    const name = targetName(t);
    byName.set(name, (byName.get(name) ?? 0) + (now[i] ?? 0) - (prev[i] ?? 0));
  });
  return [...byName].map(([name, count]) => ({ name, count }));
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("funccount");
  const targets = resolveSpecs(o.patterns, {
    allow: ["uprobe", "tracepoint", "usdt"],
    tool: "funccount",
    regex: o.regex,
    pid: o.pid,
  });
  const { loadFunccount } = await import("./funccount-load.js");
  const counters = loadFunccount(targets, o.pid);
  try {
    const hello = `Tracing ${targets.length} functions for "${o.patterns.join(" ")}"... Hit Ctrl-C to end.\n`;
    if (o.json) io.err(hello);
    else io.out(hello);
    let prev: number[] = [];
    await reportLoop(io, o, (last) => {
      const now = counters.read();
      const rows = countRows(targets, now, prev);
      prev = now;
      const at = new Date();
      if (o.json)
        io.out(
          rows.map((r) => `${toJson({ time: at.toISOString(), func: r.name, count: r.count })}\n`).join(""),
        );
      else io.out(renderCounts(rows, o.timestamp ? at : null));
      if (last && !o.json) io.out("Detaching...\n");
    });
  } finally {
    counters.close();
  }
  return 0;
}

export const command: Command = toolCommand(tool, HELP, run);
