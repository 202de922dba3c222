// The contention workload and its reference from the kernel's own accounting: a process
// with 4 threads in O_DIRECT pread of 4 KiB at random offsets of a real file on a block
// device, and a CPU hog with more spinners than CPUs. The reference is the per-thread
// delta of /proc/PID/task/TID/schedstat over a window: on-CPU ns (RUN) and run_delay ns
// (RUNQ); the readers do nothing but read, so the rest of their time is the wait for their
// read in D (DISK). /proc/diskstats' weighted I/O time gives a second view of DISK.
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { parseSchedstat, type SchedStat } from "../sources/proc/schedstat.js";
import { compileWorkload, type RunningWorkload, startWorkload } from "./workloads.js";

export interface Contention {
  ioPid: number;
  hogPid: number;
  /** Block device (major:minor) of the file the readers read. */
  dev: string;
  stop(): Promise<void>;
}

/** Where the readers' file goes: a directory on a real block device (not tmpfs), or null. */
export function blockDeviceDir(): string | null {
  const mounts = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" "))
    .filter((f) => f.length > 2);
  for (const d of ["/var/tmp", "/root", "/home"]) {
    // The mount the directory is on: the longest mount point that prefixes it.
    const m = mounts
      .filter(([, at]) => d === at || d.startsWith(at === "/" ? "/" : `${at}/`))
      .sort((x, y) => y[1].length - x[1].length)[0];
    if (m?.[0].startsWith("/dev/")) return d;
  }
  return null;
}

export async function startContention(opts: { readers?: number; spinners?: number; seconds?: number } = {}) {
  const base = blockDeviceDir();
  if (base === null) throw new Error("no directory on a block device (/var/tmp, /root, /home)");
  const dir = mkdtempSync(join(base, "tsnap-contention-"));
  const seconds = opts.seconds ?? 180;
  const ws: RunningWorkload[] = [];
  try {
    ws.push(
      await startWorkload(
        compileWorkload("odirect-read"),
        [join(dir, "data"), String(opts.readers ?? 4), String(seconds)],
        30_000,
      ),
    );
    ws.push(
      await startWorkload(compileWorkload("spin"), [
        String(opts.spinners ?? availableParallelism() * 2),
        String(seconds),
      ]),
    );
  } catch (err) {
    for (const w of ws) await w.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const st = statSync(join(dir, "data"));
  const major = ((st.dev >>> 8) & 0xfff) | (Math.floor(st.dev / 2 ** 32) & ~0xfff);
  const minor = (st.dev & 0xff) | ((st.dev >>> 12) & ~0xff);
  return {
    ioPid: Number(ws[0].ready[1]),
    hogPid: ws[1].child.pid!,
    dev: `${major}:${minor}`,
    stop: async () => {
      for (const w of ws) await w.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  } satisfies Contention;
}

/** schedstat of every worker thread (not the main thread, which only waits) of a process. */
export interface Snapshot {
  atNs: bigint;
  threads: Map<number, SchedStat>;
  /** Weighted ms of I/O of the device (diskstats field 11), when found. */
  ioWeightedMs: number | null;
}

export function snapshot(pid: number, dev?: string): Snapshot {
  const threads = new Map<number, SchedStat>();
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    const tid = Number(t);
    if (tid === pid) continue;
    try {
      threads.set(tid, parseSchedstat(readFileSync(`/proc/${pid}/task/${t}/schedstat`, "utf8")));
    } catch {
      // exited
    }
  }
  return { atNs: process.hrtime.bigint(), threads, ioWeightedMs: dev ? diskWeightedMs(dev) : null };
}

function diskWeightedMs(dev: string): number | null {
  const [maj, min] = dev.split(":");
  for (const line of readFileSync("/proc/diskstats", "utf8").split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f[0] === maj && f[1] === min) return Number(f[13]);
  }
  return null;
}

export interface Reference {
  /** Threads on a CPU, on average over the window (schedstat on-CPU ns / wall ns). */
  RUN: number;
  /** Threads waiting for a CPU (run_delay ns / wall ns). */
  RUNQ: number;
  /** The rest of the readers' time: waiting for their reads (threads - RUN - RUNQ). */
  DISK: number;
  /** Average requests in flight on the device (diskstats weighted time / wall). */
  diskInFlight: number | null;
}

export function reference(a: Snapshot, b: Snapshot): Reference {
  const wall = Number(b.atNs - a.atNs);
  let run = 0;
  let runq = 0;
  let n = 0;
  for (const [tid, s1] of b.threads) {
    const s0 = a.threads.get(tid);
    if (!s0) continue;
    n++;
    run += (s1.cpuNs - s0.cpuNs) / wall;
    runq += (s1.waitNs - s0.waitNs) / wall;
  }
  const inflight =
    a.ioWeightedMs !== null && b.ioWeightedMs !== null
      ? (b.ioWeightedMs - a.ioWeightedMs) / (wall / 1e6)
      : null;
  return { RUN: run, RUNQ: runq, DISK: Math.max(0, n - run - runq), diskInFlight: inflight };
}

/** One snapshot between two others, linearly at atNs (counters grow steadily between polls). */
function between(a: Snapshot, b: Snapshot, atNs: bigint): Snapshot {
  const span = Number(b.atNs - a.atNs);
  const f = span > 0 ? Math.min(1, Math.max(0, Number(atNs - a.atNs) / span)) : 0;
  const lerp = (x: number, y: number) => x + f * (y - x);
  const threads = new Map<number, SchedStat>();
  for (const [tid, t1] of b.threads) {
    const t0 = a.threads.get(tid);
    if (t0)
      threads.set(tid, {
        cpuNs: lerp(t0.cpuNs, t1.cpuNs),
        waitNs: lerp(t0.waitNs, t1.waitNs),
        slices: t1.slices,
      });
  }
  const io = a.ioWeightedMs !== null && b.ioWeightedMs !== null ? lerp(a.ioWeightedMs, b.ioWeightedMs) : null;
  return { atNs, threads, ioWeightedMs: io };
}

/**
 * The reference over exactly the window tsnap sampled. Snapshots taken around a whole tsnap
 * run also cover its start-up (node, BPF load and verification: 1.5-4 s of a CPU on the
 * reference VM, when nothing is sampled) and its exit, when tsnap itself displaces the hogs:
 * over a 10 s `top` that is 15-30% of the window, and it read the hogs' RUN up to 0.2 low.
 * So the processes' schedstat is polled every `everyMs` (a few file reads: ~0.1 ms) while
 * tsnap runs, the window's start is the moment tsnap's sampling clock (its perf_event)
 * appears among the child's fds, and the reference is interpolated between the polls around
 * the window's ends (the clock's first period starts a tick or two after the attach).
 */
export class WindowReference {
  private readonly polls: Snapshot[][] = [];
  private readonly timer: NodeJS.Timeout;
  private child: number | null = null;
  /** When the child's perf_event fd was first seen (hrtime ns), or null. */
  clockAt: bigint | null = null;
  /** A perf_event fd seen at one poll only: a feature probe opens and closes one at load. */
  private seenAt: bigint | null = null;

  constructor(
    private readonly targets: { pid: number; dev?: string }[],
    everyMs = 20,
  ) {
    this.poll();
    this.timer = setInterval(() => this.poll(), everyMs);
  }

  /** Watch this child process for its sampling clock (a perf_event fd). */
  watch(pid: number): void {
    this.child = pid;
    this.poll();
  }

  stop(): void {
    clearInterval(this.timer);
    this.poll();
  }

  /** Reference of target i from the clock's start for durationS (or over all polls). */
  reference(i: number, durationS?: number): Reference {
    const first = this.polls[0][i];
    const last = this.polls[this.polls.length - 1][i];
    if (this.clockAt === null || durationS === undefined) return reference(first, last);
    const from = this.clockAt;
    const to = from + BigInt(Math.round(durationS * 1e9));
    return reference(this.at(i, from), this.at(i, to));
  }

  private at(i: number, t: bigint): Snapshot {
    const k = this.polls.findIndex((p) => p[i].atNs >= t);
    if (k <= 0) return this.polls[k === 0 ? 0 : this.polls.length - 1][i];
    return between(this.polls[k - 1][i], this.polls[k][i], t);
  }

  private poll(): void {
    try {
      this.polls.push(this.targets.map((x) => snapshot(x.pid, x.dev)));
    } catch {
      return; // a target exited: the workload is stopping
    }
    if (this.child === null || this.clockAt !== null) return;
    const now = this.polls[this.polls.length - 1][0].atNs;
    if (!this.hasPerfEvent(this.child)) this.seenAt = null;
    else if (this.seenAt === null) this.seenAt = now;
    else this.clockAt = this.seenAt; // still open a poll later: the sampling clock
  }

  private hasPerfEvent(pid: number): boolean {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          if (readlinkSync(`/proc/${pid}/fd/${fd}`, "utf8").includes("perf_event")) return true;
        } catch {
          // closed meanwhile
        }
      }
    } catch {
      // the child exited
    }
    return false;
  }
}
