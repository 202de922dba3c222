// `tsnap schedlat PID`: every interval, how much of the time the process's threads spent on
// a CPU (%CPU), runnable but waiting for one (%LAT, run-queue latency) and neither (%SLP),
// from /proc/PID/task/*/schedstat (0x.tools schedlat). Math in sources/proc/schedstat.ts.
import { readdirSync, readFileSync } from "node:fs";
import { flagHelp, parseFlags, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { durationFlag, intervalFlag, tableOrJsonFlag } from "../../command/flags.js";
import { InputError, UsageError } from "../../errors.js";
import { waitOrAbort } from "../../platform/abortable-sleep.js";
import {
  type ProcessInterval,
  parseSchedstat,
  processInterval,
  type SchedStat,
} from "../../sources/proc/schedstat.js";
import { tool } from "./schedlat.tool.js";

/** Counters of every thread of `pid` now, or null when the process is gone. Vanished threads are skipped. */
export function readThreadStats(pid: number): Map<number, SchedStat> | null {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ESRCH") return null;
    throw err;
  }
  const stats = new Map<number, SchedStat>();
  for (const tid of tids) {
    try {
      stats.set(Number(tid), parseSchedstat(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "latin1")));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ESRCH") throw err; // else: the thread exited meanwhile
    }
  }
  return stats.size > 0 ? stats : null;
}

function readComm(path: string): string {
  try {
    return readFileSync(path, "utf8").trimEnd();
  } catch {
    return "?";
  }
}

/** "2026-11-22 03:05:01" in local time, as 0x.tools schedlat prints it. */
export function localTimestamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

const pct = (v: number) => v.toFixed(1).padStart(7);
const round2 = (v: number) => Math.round(v * 100) / 100;

export const PROCESS_HEADER = `TIMESTAMP              %CPU    %LAT    %SLP  THREADS`;
export const THREAD_HEADER = `TIMESTAMP                  TID  COMM               %CPU    %LAT    %SLP`;

/** The table line(s) for one interval. Pure. */
export function renderInterval(
  ms: number,
  r: ProcessInterval,
  perThread: boolean,
  comms: ReadonlyMap<number, string>,
): string {
  const ts = localTimestamp(ms);
  if (!perThread) {
    return `${ts} ${pct(r.total.cpu)} ${pct(r.total.lat)} ${pct(r.total.slp)}  ${String(r.threads + r.started).padStart(7)}\n`;
  }
  return r.perThread
    .map((t) => {
      const comm = (comms.get(t.tid) ?? "?").slice(0, 15).padEnd(15);
      return `${ts} ${String(t.tid).padStart(8)}  ${comm} ${pct(t.cpu)} ${pct(t.lat)} ${pct(t.slp)}\n`;
    })
    .join("");
}

/** The JSON line(s) for one interval: one object per interval, or per thread with -t. Pure. */
export function jsonInterval(
  ms: number,
  pid: number,
  r: ProcessInterval,
  perThread: boolean,
  comms: ReadonlyMap<number, string>,
): string {
  const timestamp = new Date(ms).toISOString();
  if (!perThread) {
    const rec = {
      timestamp,
      pid,
      threads: r.threads + r.started,
      cpu_pct: round2(r.total.cpu),
      lat_pct: round2(r.total.lat),
      slp_pct: round2(r.total.slp),
      started: r.started,
      vanished: r.vanished,
    };
    return `${JSON.stringify(rec)}\n`;
  }
  return r.perThread
    .map((t) => {
      const rec = {
        timestamp,
        pid,
        tid: t.tid,
        comm: comms.get(t.tid) ?? null,
        cpu_pct: round2(t.cpu),
        lat_pct: round2(t.lat),
        slp_pct: round2(t.slp),
        new: t.isNew,
      };
      return `${JSON.stringify(rec)}\n`;
    })
    .join("");
}

const FLAGS = {
  threads: switchFlag({
    long: "threads",
    short: "t",
    help: "one row per thread (TID, COMM) instead of the process sum",
  }),
  interval: intervalFlag({ fallback: 1, help: "seconds between lines (default 1)" }),
  duration: durationFlag(),
  format: tableOrJsonFlag(
    "one object per line, {timestamp, pid, threads, cpu_pct, lat_pct, slp_pct, started, vanished} or with -t {timestamp, pid, tid, comm, cpu_pct, lat_pct, slp_pct, new}",
  ),
};

const HELP = `tsnap schedlat: per-interval %CPU, %run-queue latency and %sleep of a process (0x.tools schedlat)

USAGE
  tsnap schedlat PID [-t] [-i SECONDS] [-d SECONDS] [--format table|json]

Every interval, reads /proc/PID/task/*/schedstat (ns on CPU, ns waiting on a run queue) for
every thread of process PID and prints the share of the interval its threads spent:
  %CPU  running on a CPU
  %LAT  runnable but waiting for a CPU (run-queue latency: CPUs are oversubscribed)
  %SLP  neither: sleeping, blocked on I/O or locks, stopped
Without -t the columns are SUMS over the process's threads, like top's %CPU: a process with
4 threads has 400% to share out, so 4 busy threads on 2 CPUs show about 200 %CPU and 200 %LAT.
For each thread present for the whole interval CPU + LAT + SLP = 100. Threads that start
during an interval add their CPU and LAT but no SLP (when they started is unknown); threads
that exit during an interval are left out of it. THREADS counts the threads read at its end.
Runs until Ctrl-C, -d, or the process exits. Needs no root for processes you can see.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  tsnap schedlat 1234                 process 1234, a line per second until Ctrl-C
  tsnap schedlat -t -d 5 1234         per-thread rows for 5 seconds
  tsnap schedlat -i 0.5 $(pgrep -o postgres)
  tsnap schedlat --format json -d 10 1234 > lat.jsonl
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS, 1);
  const { format, duration: durationS, interval: intervalS, threads: perThread } = values;
  if (durationS < intervalS) throw new UsageError(`-d (${durationS} s) must be at least -i (${intervalS} s)`);
  if (positionals.length === 0) throw new UsageError("schedlat needs a PID (see --help)");
  const pidText = positionals[0];
  if (!/^\d+$/.test(pidText) || Number(pidText) < 1 || Number(pidText) > 2 ** 22) {
    throw new UsageError(`bad PID '${pidText}': a process ID is a positive whole number`);
  }
  const pid = Number(pidText);

  let prev = readThreadStats(pid);
  if (!prev) throw new InputError(`no process with PID ${pid}`);
  let prevNs = process.hrtime.bigint();
  const comms = new Map<number, string>();
  const commOf = (tids: Iterable<number>) => {
    for (const tid of tids) if (!comms.has(tid)) comms.set(tid, readComm(`/proc/${pid}/task/${tid}/comm`));
  };
  if (perThread) commOf(prev.keys());
  if (format === "table") {
    io.out(
      `tsnap schedlat: PID ${pid} (${readComm(`/proc/${pid}/comm`)}), every ${intervalS} s, ` +
        `${perThread ? "per thread" : "% summed over threads (100 per thread)"}\n` +
        `${perThread ? THREAD_HEADER : PROCESS_HEADER}\n`,
    );
  }

  const startMs = performance.now();
  for (let k = 1; k * intervalS <= durationS + 1e-9; k++) {
    const wait = startMs + k * intervalS * 1000 - performance.now();
    if (await waitOrAbort(wait, io.signal)) break; // Ctrl-C or SIGTERM
    const cur = readThreadStats(pid);
    const nowNs = process.hrtime.bigint();
    if (!cur) {
      io.err(`tsnap: process ${pid} exited\n`);
      break;
    }
    const r = processInterval(prev, cur, Number(nowNs - prevNs));
    if (perThread) commOf(cur.keys());
    const ms = Date.now();
    io.out(
      format === "json"
        ? jsonInterval(ms, pid, r, perThread, comms)
        : renderInterval(ms, r, perThread, comms),
    );
    for (const tid of comms.keys()) if (!cur.has(tid)) comms.delete(tid);
    prev = cur;
    prevNs = nowNs;
  }
  return 0;
}

export const command: Command = toolCommand(tool, HELP, run);
