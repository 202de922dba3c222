// The ground-truth workload: a process whose threads are known to be in given states and
// syscalls, and the avg_threads a correct sampler must report for it.
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
  const w: RunningWorkload = await startWorkload(bin, [
    "spin",
    String(spin),
    "sleep",
    String(sleep),
    "pipe",
    String(pipe),
    "vfork",
    vfork ? "1" : "0",
  ]);
  // Give the vfork parent a moment to block after the child printed.
  await new Promise((r) => setTimeout(r, 200));
  const expected: Truth[] = [
    { state: "RUN", syscall: "[running]", threads: spin },
    { state: "SLEEP", syscall: "clock_nanosleep", threads: sleep },
    { state: "SLEEP", syscall: "read", threads: pipe },
    vfork
      ? { state: "DISK", syscall: "vfork", threads: 1 }
      : { state: "SLEEP", syscall: "pause", threads: 1 },
  ].filter((t) => t.threads > 0);
  return { pid: Number(w.ready[1]), childPid: Number(w.ready[2]), expected, stop: w.stop };
}
