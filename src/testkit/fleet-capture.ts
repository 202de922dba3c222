// Capture directories for the fleet tests: the real proc source sampling a constructed
// workload (testkit/ground-truth.ts) into real hourly files, on an injected clock (rounds
// 1 s apart) so that a few seconds of sampling span an hour boundary: two closed segments.
// And the real bpf source sampling O_DIRECT writes (block I/O in flight, completions with
// their device), for what needs iorqend.

import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { captureToDir } from "../capture/capture-to-dir.js";
import type { Need, Sampler } from "../model/sampler.js";
import { openSampler } from "../sampler/open.js";
import { ProcSampler } from "../sources/proc/proc-sampler.js";
import { startGroundTruth } from "./ground-truth.js";
import { compileWorkload, startWorkload } from "./workloads.js";

/** `rounds` rounds at 20 Hz of the bpf source on O_DIRECT writes, 1 s apart on the fake clock from `startIso`. */
export async function captureBpfIo(dir: string, startIso: string, rounds: number): Promise<number> {
  // /var/tmp: on the disk (O_DIRECT needs a block device, not tmpfs).
  const scratch = mkdtempSync("/var/tmp/tsnap-fleet-io-");
  const w = await startWorkload(compileWorkload("odirect-write"), [join(scratch, "data"), "65536", "30"]);
  try {
    const needs = new Set<Need>(["syscall", "filename", "kstack"]);
    const sampler: Sampler = await openSampler(
      "bpf",
      { hz: 20, all: true, pids: new Set([Number(w.ready[1])]), needs },
      () => {},
    );
    return await captureOn(sampler, dir, startIso, rounds);
  } finally {
    await w.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function captureOn(sampler: Sampler, dir: string, startIso: string, rounds: number): Promise<number> {
  let t = Date.parse(startIso) * 1000;
  const clock = () => {
    const now = t;
    t += 1e6;
    return now;
  };
  try {
    const sum = await captureToDir(sampler, {
      dir,
      hz: 20,
      format: "parquet",
      durationMs: (rounds / 20) * 1000,
      retention: {},
      signal: new AbortController().signal,
      notice: () => {},
      clock,
    });
    return sum.rounds;
  } finally {
    sampler.close();
  }
}

/** `rounds` rounds of 1 s on the fake clock from `startIso` (UTC); returns rounds written. */
export async function captureFakeHours(dir: string, startIso: string, rounds: number): Promise<number> {
  const gt = await startGroundTruth({ spin: 1, sleep: 2, pipe: 1, vfork: false });
  try {
    const needs = new Set<Need>(["syscall", "wchan", "kstack"]);
    return await captureOn(
      new ProcSampler({ hz: 20, all: true, pids: new Set([gt.pid]), needs }),
      dir,
      startIso,
      rounds,
    );
  } finally {
    await gt.stop();
  }
}
