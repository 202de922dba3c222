// Pure parsing of /proc/PID/task/TID/schedstat and the delta math behind `tsnap schedlat`.
// schedstat has three numbers: ns spent on a CPU, ns spent runnable but waiting on a run
// queue, and the number of timeslices run. Between two reads of every thread of a process,
// each thread's wall time splits into %CPU (on CPU), %LAT (waiting for a CPU) and %SLP (the
// rest: sleeping, blocked, stopped). No I/O here.

export interface SchedStat {
  /** ns on CPU (sum_exec_runtime). */
  cpuNs: number;
  /** ns runnable but waiting on a run queue (run_delay). */
  waitNs: number;
  /** Timeslices run on a CPU (pcount). */
  slices: number;
}

/** Parses the text of a schedstat file: "<cpu_ns> <wait_ns> <slices>\n". */
export function parseSchedstat(text: string): SchedStat {
  const parts = text.trim().split(/\s+/);
  if (parts.length < 3 || !parts.slice(0, 3).every((p) => /^\d+$/.test(p))) {
    throw new Error(`bad schedstat '${text.trim()}'`);
  }
  return { cpuNs: Number(parts[0]), waitNs: Number(parts[1]), slices: Number(parts[2]) };
}

/** Percentages of an interval's wall time. */
export interface SchedPct {
  /** On CPU. */
  cpu: number;
  /** Runnable, waiting for a CPU (run-queue latency). */
  lat: number;
  /** Neither: sleeping, blocked on I/O, stopped. */
  slp: number;
}

/**
 * One thread over one interval of `wallNs`: percentages of the interval. %SLP is what is left
 * of 100 after %CPU and %LAT, never below 0 (counters are updated at ticks and context
 * switches, so CPU + LAT can run a little over the wall time).
 */
export function threadPct(prev: SchedStat, cur: SchedStat, wallNs: number): SchedPct {
  if (!(wallNs > 0)) throw new Error(`interval must be positive, got ${wallNs} ns`);
  const cpu = ((cur.cpuNs - prev.cpuNs) / wallNs) * 100;
  const lat = ((cur.waitNs - prev.waitNs) / wallNs) * 100;
  return { cpu, lat, slp: Math.max(0, 100 - cpu - lat) };
}

export interface ThreadInterval extends SchedPct {
  tid: number;
  /** True when the thread was not there at the previous read (started during the interval). */
  isNew: boolean;
}

export interface ProcessInterval {
  /**
   * Sums over the process's threads, like top's %CPU: a process with 4 busy threads can
   * show 400 %CPU. For threads present at both reads CPU + LAT + SLP is 100 each, so the
   * three sum to 100 × `threads`.
   */
  total: SchedPct;
  /** Threads present at both reads. */
  threads: number;
  /** Threads per tid, sorted by tid (new ones included). */
  perThread: ThreadInterval[];
  /** Threads that started during the interval (their CPU and LAT count; SLP is unknown: 0). */
  started: number;
  /** Threads that exited during the interval (skipped: their last counters are gone). */
  vanished: number;
}

/**
 * The process's interval from two reads of all its threads (tid → counters). Threads that
 * vanished are skipped. A thread that is new counts all its CPU and LAT (it started inside
 * the interval) and no SLP, since when it started is unknown. A tid whose counters went
 * backwards was reused by a new thread and is treated as new.
 */
export function processInterval(
  prev: ReadonlyMap<number, SchedStat>,
  cur: ReadonlyMap<number, SchedStat>,
  wallNs: number,
): ProcessInterval {
  const zero: SchedStat = { cpuNs: 0, waitNs: 0, slices: 0 };
  const total: SchedPct = { cpu: 0, lat: 0, slp: 0 };
  const perThread: ThreadInterval[] = [];
  let threads = 0;
  let started = 0;
  for (const [tid, now] of cur) {
    const before = prev.get(tid);
    const isNew = before === undefined || now.cpuNs < before.cpuNs || now.waitNs < before.waitNs;
    const pct = threadPct(isNew ? zero : before, now, wallNs);
    if (isNew) {
      pct.slp = 0;
      started++;
    } else {
      threads++;
    }
    total.cpu += pct.cpu;
    total.lat += pct.lat;
    total.slp += pct.slp;
    perThread.push({ tid, isNew, ...pct });
  }
  let vanished = 0;
  for (const tid of prev.keys()) if (!cur.has(tid)) vanished++;
  perThread.sort((a, b) => a.tid - b.tid);
  return { total, threads, perThread, started, vanished };
}
