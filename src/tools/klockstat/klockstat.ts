// `tsnap klockstat`: how long tasks waited for contended kernel locks, per caller stack,
// lock address (-A) or thread (-P), like libbpf-tools klockstat's Wait table (same
// options, same layout). klockstat.bpf.c times every wait between lock:contention_begin
// and contention_end and adds it to its row in the kernel; this module prints the rows
// (klockstat-report.ts) every -i seconds or once at the end.
import { readFileSync } from "node:fs";
import { kernelSymbols } from "../../bpf/kallsyms.js";
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import { decimalFlag, flagHelp, parseFlags, switchFlag, textFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, intervalFlag, jsonFlag, pidFlag, tidFlag } from "../../command/flags.js";
import { InputError, UsageError } from "../../errors.js";
import { reportLoop } from "../report-loop.js";
import { dropHookFrames } from "../stack-tool.js";
import { tool } from "./klockstat.tool.js";
import { type By, LOST_WORDS } from "./klockstat-records.js";
import {
  callerFrames,
  callerMatches,
  type Row,
  renderJson,
  renderText,
  type SortBy,
  sortRows,
  symbolAddress,
  symbolsAt,
} from "./klockstat-report.js";

const FLAGS = {
  pid: pidFlag,
  tid: tidFlag("t"),
  caller: textFlag({
    long: "caller",
    short: "c",
    arg: "FUNC",
    help: "only callers whose function starts with FUNC",
  }),
  lock: textFlag({
    long: "lock",
    short: "L",
    arg: "LOCK",
    help: "only this lock: a kernel symbol (cgroup_mutex) or an address (0xffff...)",
  }),
  locks: decimalFlag({
    long: "locks",
    short: "n",
    arg: "NR_LOCKS",
    help: "at most NR_LOCKS rows (default all)",
    min: 1,
    max: 1e8,
    integer: true,
    fallback: 1e8,
  }),
  stacks: decimalFlag({
    long: "stacks",
    short: "s",
    arg: "NR_STACKS",
    help: "stack entries per caller (default 1); more than 1 also prints who waited longest, on which lock",
    min: 1,
    max: 127,
    integer: true,
    fallback: 1,
  }),
  sort: textFlag({
    long: "sort",
    short: "S",
    arg: "SORT",
    help: "order of the rows: acq_max (default), acq_total, acq_count",
  }),
  duration: durationFlag(),
  interval: intervalFlag({
    fallback: 0,
    help: "print the rows every SECONDS (default: once, at the end)",
    min: 1,
  }),
  reset: switchFlag({ long: "reset", short: "R", help: "start the counts again after each report" }),
  timestamp: switchFlag({ long: "timestamp", short: "T", help: "print the time before each report" }),
  perThread: switchFlag({ long: "per-thread", short: "P", help: "one row per thread instead of per caller" }),
  byLock: switchFlag({ long: "by-lock", short: "A", help: "one row per lock address instead of per caller" }),
  json: jsonFlag("row per report"),
};

const HELP = `tsnap klockstat: waits for contended kernel locks, per caller (bcc klockstat)

USAGE
  tsnap klockstat [-p PID] [-t TID] [-c FUNC] [-L LOCK] [-n NR_LOCKS] [-s NR_STACKS]
                  [-S SORT] [-d SECONDS] [-i SECONDS] [-R] [-T] [-P | -A] [--json]

Times every wait for a contended kernel lock (mutex, rwsem, spinlock, rwlock, percpu
rwsem, rt mutex) from lock:contention_begin to lock:contention_end, and adds it in the
kernel to its row: the caller (the first kernel frame outside the lock code, as
libbpf-tools' Caller), the lock address (-A) or the thread (-P). Prints the count, the
average, the longest and the total wait per row, longest first, every -i seconds or once
at the end (-d, or Ctrl-C). Acquires that did not have to wait are not seen, and no
tracepoint marks a release: the C tool's "Hold" table (from fentry on the lock
functions) cannot be measured here. Options and layout are libbpf-tools' klockstat.
Needs root.

OPTIONS
${flagHelp(FLAGS, true)}
EXAMPLES
  sudo tsnap klockstat                  waits per caller until Ctrl-C
  sudo tsnap klockstat -d 5             for 5 seconds
  sudo tsnap klockstat -i 5 -R          every 5 seconds, counts started again each time
  sudo tsnap klockstat -p 181 -s 6      one process, 6 stack entries per caller
  sudo tsnap klockstat -c pipe_         only callers whose function starts with pipe_
  sudo tsnap klockstat -L cgroup_mutex  one lock, by name (an address works too)
  sudo tsnap klockstat -A -S acq_total  per lock address, most total wait first
  sudo tsnap klockstat -P -n 10         the 10 threads that waited longest
  sudo tsnap klockstat --json -d 10 | jq -c '{caller, count, total_ns}'
`;

interface Options {
  pid: number;
  tid: number;
  caller?: string;
  lockText?: string;
  locks: number;
  stacks: number;
  sort: SortBy;
  intervalS: number;
  durationS: number;
  reset: boolean;
  timestamp: boolean;
  by: By;
  json: boolean;
}

/**
 * -S: acq_max, acq_total, acq_count, comma-separated with hld_* as libbpf-tools takes it;
 * the hld_* part sorts a Hold table this kernel cannot measure, so it is accepted and
 * ignored, but alone it is an error. Pure.
 */
export function parseSort(text: string | undefined): SortBy {
  let sort: SortBy | undefined;
  let hold = false;
  for (const one of (text ?? "acq_max").split(",")) {
    const m = /^acq_(max|total|count)$/.exec(one);
    if (m) sort = m[1] as SortBy;
    else if (/^hld_(max|total|count)$/.test(one)) hold = true;
    else throw new UsageError(`-S must be acq_max, acq_total or acq_count, got '${one}'`);
  }
  if (sort) return sort;
  if (hold)
    throw new UsageError(
      "-S hld_*: hold times need kprobes or fentry on the lock functions, not on this kernel",
    );
  return "max";
}

/** Flags → options; every bad value is a UsageError. Pure. */
export function parseOptions(argv: string[]): Options {
  const { values: v } = parseFlags(argv, FLAGS, 0);
  if (v.perThread && v.byLock) throw new UsageError("-P and -A cannot be used together");
  if (v.perThread && v.stacks !== 1) throw new UsageError("-P and -s cannot be used together");
  return {
    pid: v.pid ?? 0,
    tid: v.tid ?? 0,
    caller: v.caller,
    lockText: v.lock,
    locks: v.locks,
    stacks: v.stacks,
    sort: parseSort(v.sort),
    intervalS: v.interval,
    durationS: v.duration,
    reset: v.reset,
    timestamp: v.timestamp,
    by: v.perThread ? "thread" : v.byLock ? "lock" : "caller",
    json: v.json,
  };
}

/** -L: an address, or a kernel symbol's. */
function lockAddress(text: string | undefined, kallsyms: () => string): bigint {
  if (text === undefined) return 0n;
  if (/^0x[0-9a-f]+$/i.test(text)) return BigInt(text);
  const a = symbolAddress(kallsyms(), text);
  if (a === undefined) throw new InputError(`-L ${text}: no such kernel symbol in /proc/kallsyms`);
  return a;
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("klockstat");
  let text: string | undefined;
  const kallsyms = () => {
    text ??= readFileSync("/proc/kallsyms", "utf8");
    return text;
  };
  const lock = lockAddress(o.lockText, kallsyms);
  const { loadKlockstat } = await import("./klockstat-load.js");
  const src = loadKlockstat({ lock, pid: o.pid, tid: o.tid, by: o.by });
  const lostSeen = { start: 0, stat: 0, stack: 0 };
  try {
    io.err("Tracing lock contention (lock:contention_begin/end)... Hit Ctrl-C to end.\n");
    await reportLoop(io, o, (last) => {
      const read = src.read();
      const syms = o.by === "caller" ? kernelSymbols() : null;
      const rows: (Row & { key: Buffer })[] = read.map(({ key, stat }) => ({
        ...stat,
        key,
        frames:
          syms && stat.stackId >= 0
            ? callerFrames(dropHookFrames(src.stack(stat.stackId).map((a) => syms.symbolize(a))))
            : [],
        lockName: null,
      }));
      const shown = sortRows(
        rows.filter((r) => r.count > 0 && callerMatches(r, o.caller)),
        o.sort,
        o.locks,
      );
      // Lock names: only static locks have one; looked up when printed.
      const wanted = new Set(
        shown.flatMap((r) => (o.by === "lock" ? [r.lock] : o.stacks > 1 || o.json ? [r.maxLock] : [])),
      );
      const names = symbolsAt(wanted.size ? kallsyms() : "", wanted);
      for (const r of shown) r.lockName = names.get(o.by === "lock" ? r.lock : r.maxLock) ?? null;
      const at = new Date();
      io.out(o.json ? renderJson(shown, o.by, at) : renderText(shown, o, at));
      const lost = src.lost();
      for (const k of ["start", "stat", "stack"] as const) {
        if (lost[k] > lostSeen[k]) io.err(`WARNING: ${lost[k] - lostSeen[k]} ${LOST_WORDS[k]}\n`);
        lostSeen[k] = lost[k];
      }
      if (o.reset) src.forget(read.map((r) => r.key));
      if (last && !o.json) io.out("Exiting trace of mutex/sem locks\n");
    });
  } finally {
    src.close();
  }
  return 0;
}

export const command: Command = toolCommand(tool, HELP, run);
