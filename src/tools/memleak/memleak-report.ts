// memleak's reports, pure: outstanding allocations grouped by stack (older than -o only),
// the top N by bytes, and bcc memleak's text ("[HH:MM:SS] Top N stacks with outstanding
// allocations:", "\tB bytes in N allocations from stack", the frames; largest last) or one
// NDJSON object per report. Frames come already symbolized (stack-tool.ts's resolver).
import type { StackSide } from "../../report/stack-report.js";
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import { MEMLEAK_ALLOC } from "./memleak-records.js";

export interface StackGroup {
  stackId: number;
  bytes: number;
  count: number;
  /** -a: the allocations of the stack (address, size), oldest first; empty otherwise. */
  allocs: { addr: bigint; size: number }[];
}

/** The `allocs` map as read: entry i's key (the address, u64) at i × 8, its alloc_info at i × MEMLEAK_ALLOC.size. */
export interface RawAllocations {
  keys: Buffer;
  values: Buffer;
  n: number;
}

/**
 * Allocations made at least `minAgeNs` before `nowNs` (CLOCK_MONOTONIC), summed per stack;
 * the `top` largest by bytes, largest first. Reads the entries in place (a kernel-mode
 * map holds up to a million). Pure.
 */
export function groupOutstanding(
  raw: RawAllocations,
  o: { nowNs: bigint; minAgeNs: bigint; top: number; showAllocs: boolean },
): StackGroup[] {
  const { size: vs, off } = MEMLEAK_ALLOC;
  const u64 = (b: Buffer, at: number) => b.readUInt32LE(at) + b.readUInt32LE(at + 4) * 2 ** 32;
  const newest = Number(o.nowNs - o.minAgeNs);
  const byStack = new Map<number, StackGroup>();
  for (let i = 0; i < raw.n; i++) {
    const v = i * vs;
    if (u64(raw.values, v + off.timestamp_ns) > newest) continue;
    const stackId = raw.values.readInt32LE(v + off.stack_id);
    const size = u64(raw.values, v + off.size);
    let g = byStack.get(stackId);
    if (!g) {
      g = { stackId, bytes: 0, count: 0, allocs: [] };
      byStack.set(stackId, g);
    }
    g.bytes += size;
    g.count++;
    if (o.showAllocs) g.allocs.push({ addr: raw.keys.readBigUInt64LE(i * 8), size });
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
