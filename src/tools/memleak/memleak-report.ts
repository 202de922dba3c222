// memleak's reports, pure: outstanding allocations grouped by stack (older than -o only),
// the top N by bytes, and bcc memleak's text ("[HH:MM:SS] Top N stacks with outstanding
// allocations:", "\tB bytes in N allocations from stack", the frames; largest last) or one
// NDJSON object per report. Frames come already symbolized (stack-tool.ts's resolver).
import type { StackSide } from "../../report/stack-report.js";
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import type { Allocation } from "./memleak-records.js";

export interface StackGroup {
  stackId: number;
  bytes: number;
  count: number;
  /** -a: the allocations of the stack (address, size), oldest first; empty otherwise. */
  allocs: { addr: bigint; size: number }[];
}

/**
 * Allocations made at least `minAgeNs` before `nowNs` (CLOCK_MONOTONIC), summed per stack;
 * the `top` largest by bytes, largest first.
 */
export function groupOutstanding(
  allocs: readonly Allocation[],
  o: { nowNs: bigint; minAgeNs: bigint; top: number; showAllocs: boolean },
): StackGroup[] {
  const byStack = new Map<number, StackGroup & { ts: bigint[] }>();
  for (const a of allocs) {
    if (a.ts > o.nowNs - o.minAgeNs) continue;
    let g = byStack.get(a.stackId);
    if (!g) {
      g = { stackId: a.stackId, bytes: 0, count: 0, allocs: [], ts: [] };
      byStack.set(a.stackId, g);
    }
    g.bytes += a.size;
    g.count++;
    if (o.showAllocs) g.allocs.push({ addr: a.addr, size: a.size });
  }
  return topGroups([...byStack.values()], o.top);
}

/** --combined-only: the kernel's sums per stack (stacks with nothing outstanding left out). */
export function groupCombined(
  sums: readonly { stackId: number; bytes: number; count: number }[],
  top: number,
): StackGroup[] {
  return topGroups(
    sums.filter((s) => s.count > 0).map((s) => ({ ...s, allocs: [] })),
    top,
  );
}

function topGroups(groups: StackGroup[], top: number): StackGroup[] {
  const out = groups
    .map((g) => ({ stackId: g.stackId, bytes: g.bytes, count: g.count, allocs: g.allocs }))
    .sort((a, b) => b.bytes - a.bytes || b.count - a.count || a.stackId - b.stackId);
  return out.slice(0, top);
}

/** A stack's frames as lines (leaf first), or bcc's words for a stack not kept. */
export function frameLines(side: StackSide, kernel: boolean): string[] {
  if (side.kind === "frames") return side.frames;
  return [kernel ? "[Missed Kernel Stack]" : "[Missed User Stack]"];
}

/** bcc memleak's report: the header, then each stack, the largest last. */
export function renderReport(
  groups: readonly StackGroup[],
  frames: (stackId: number) => string[],
  at: Date,
): string {
  const out = [`[${hhmmss(at)}] Top ${groups.length} stacks with outstanding allocations:`];
  for (const g of [...groups].reverse()) {
    for (const a of g.allocs) out.push(`\taddr = ${a.addr.toString(16)} size = ${a.size}`);
    out.push(`\t${g.bytes} bytes in ${g.count} allocations from stack`);
    for (const f of frames(g.stackId)) out.push(`\t\t${f}`);
  }
  return `${out.join("\n")}\n`;
}

/** --json: one object per report, stacks largest first. */
export function jsonReport(
  groups: readonly StackGroup[],
  frames: (stackId: number) => string[],
  at: Date,
  extra: Record<string, number>,
): string {
  const stacks = groups.map((g) => ({
    bytes: g.bytes,
    allocations: g.count,
    frames: frames(g.stackId),
    ...(g.allocs.length > 0
      ? { allocs: g.allocs.map((a) => ({ addr: `0x${a.addr.toString(16)}`, size: a.size })) }
      : {}),
  }));
  return `${toJson({ time: at.toISOString(), ...extra, stacks })}\n`;
}
