// Capture directories for the fleet tests: the real proc source sampling a constructed
// workload (testkit/ground-truth.ts) into real hourly files, on an injected clock (rounds
// 1 s apart) so that a few seconds of sampling span an hour boundary: two closed segments.

import { captureToDir } from "../capture/capture-to-dir.js";
import type { Need } from "../model/sampler.js";
import { ProcSampler } from "../sources/proc/proc-sampler.js";
import { startGroundTruth } from "./ground-truth.js";

/** `rounds` rounds of 1 s on the fake clock from `startIso` (UTC); returns rounds written. */
export async function captureFakeHours(dir: string, startIso: string, rounds: number): Promise<number> {
  const gt = await startGroundTruth({ spin: 1, sleep: 2, pipe: 1, vfork: false });
  try {
    const needs = new Set<Need>(["syscall", "wchan", "kstack"]);
    const sampler = new ProcSampler({ hz: 20, all: true, pids: new Set([gt.pid]), needs });
    let t = Date.parse(startIso) * 1000;
    let n = 0;
    const clock = () => {
      const now = t;
      t += 1e6;
      return now;
    };
    const ac = new AbortController();
    try {
      const sum = await captureToDir(sampler, {
        dir,
        hz: 20,
        format: "parquet",
        durationMs: (rounds / 20) * 1000,
        retention: {},
        signal: ac.signal,
        notice: () => {},
        clock,
      });
      n = sum.rounds;
    } finally {
      sampler.close();
    }
    return n;
  } finally {
    await gt.stop();
  }
}
