// The layout runqlen.bpf.c shares with user space: the value of its `hists` map (one
// linear histogram of run-queue lengths per CPU). Offsets by C's rules (records.ts:layout);
// the C struct must match (sizes checked at load). And the arithmetic of a report. Pure.
import { slotDeltas } from "../../bpf/hist.js";
import { layout } from "../../sources/bpf/records.js";

export const RUNQLEN_SLOTS = 32;

export const HIST = layout("runqlen_hist", [["slots", { array: "u32", len: RUNQLEN_SLOTS }]]);

/** Samples per run-queue length (index: tasks waiting) between two reads of a CPU's histogram. */
export function countsSince(prev: Buffer | undefined, cur: Buffer): number[] {
  const counts = new Array<number>(RUNQLEN_SLOTS).fill(0);
  for (const [slot, n] of slotDeltas(prev, cur, HIST.off.slots, RUNQLEN_SLOTS)) counts[slot] = n;
  return counts;
}

/** Run-queue occupancy: the share of samples in which some task waited (0..1). */
export function occupancy(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  return (total - (counts[0] ?? 0)) / Math.max(1, total);
}
