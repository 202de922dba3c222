// The ground-truth workload: a process whose threads are known to be in given states and
// syscalls, and the avg_threads a correct sampler must report for it.
import { randomBytes } from "node:crypto";
import { compileWorkload, type RunningWorkload, startWorkload } from "./workloads.js";

export interface Truth {
  state: string;
  syscall: string;
  threads: number;
}

export interface GroundTruth {
  /** The process to sample (its main thread waits in vfork). */
  pid: number;
  /** The vfork child (a separate process, waiting in pause). */
  childPid: number;
  /** Prefix of the thread names: `<tag>-spin`, `<tag>-sleep`, `<tag>-pipe`; unique per run. */
  tag: string;
  /** Every thread of `pid`, by state and syscall (what `-a -g state,syscall` must show). */
  expected: Truth[];
  stop(): Promise<void>;
}

export interface GroundTruthShape {
  spin?: number;
  sleep?: number;
  pipe?: number;
  vfork?: boolean;
}

export async function startGroundTruth(shape: GroundTruthShape = {}): Promise<GroundTruth> {
  const spin = shape.spin ?? 1;
  const sleep = shape.sleep ?? 3;
  const pipe = shape.pipe ?? 2;
  const vfork = shape.vfork ?? true;
  const bin = compileWorkload("ground-truth");
  // A tag of its own, so a thread-name filter never matches another run's threads.
  const tag = `gt${randomBytes(3).toString("hex")}`;
  const w: RunningWorkload = await startWorkload(bin, [
    "spin",
    String(spin),
    "sleep",
    String(sleep),
    "pipe",
    String(pipe),
    "vfork",
    vfork ? "1" : "0",
    "tag",
    tag,
  ]);
  // Give the vfork parent a moment to block after the child printed.
  await new Promise((r) => setTimeout(r, 200));
  const expected: Truth[] = [
    { state: "RUN", syscall: "[running]", threads: spin },
    { state: "SLEEP", syscall: "clock_nanosleep", threads: sleep },
    { state: "SLEEP", syscall: "read", threads: pipe },
    vfork
      ? { state: "VFORK", syscall: "vfork", threads: 1 }
      : { state: "SLEEP", syscall: "pause", threads: 1 },
  ].filter((t) => t.threads > 0);
  return { pid: Number(w.ready[1]), childPid: Number(w.ready[2]), tag, expected, stop: w.stop };
}
