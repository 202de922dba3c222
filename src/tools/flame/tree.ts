// Stacks merged into frames with x and width in samples, as flamegraph.pl's flow() does:
// stacks sorted frame by frame, names in UTF-16 code unit order, a stack before the
// stacks above it (a flame graph), or kept in input order (a flame chart);
// each stack keeps open the frames it shares with the previous one and opens new ones;
// a frame spans the samples of the stacks that passed through it while it was open. No
// tree is built, so memory is the frames drawn plus one stack. A frame's own samples
// (stacks ending in it) lie left of its children, as in flamegraph.pl. Differential: the
// widths are the second profile's counts, and a frame's delta is (after - before) of the
// stacks that end in it (flamegraph.pl's semantics for difffolded input). Works on packed
// stacks (frames compare as ids); records are packed first.
import type { FoldedStack } from "./folded.js";
import { type PackedStacks, packStacks, totalPacked } from "./packed.js";

export interface Frame {
  name: string;
  depth: number;
  /** Start, in samples from the left edge. */
  x: number;
  /** Width, in samples. */
  w: number;
  delta: number;
}

export interface Layout {
  /** Frames, the root ("all", depth 0) included. */
  frames: Frame[];
  total: number;
  maxDepth: number;
  /** Largest |delta| of any frame (colour scale of differential graphs). */
  maxDelta: number;
}

export interface FlowOptions {
  /** Keep input order, merge only adjacent identical frames (a flame chart). */
  chart?: boolean;
  /** Leave out frames narrower than this many samples (--minwidth). */
  minSamples?: number;
}

export function totalOf(stacks: readonly FoldedStack[] | PackedStacks): number {
  if (!Array.isArray(stacks)) return totalPacked(stacks as PackedStacks);
  let t = 0;
  for (const s of stacks as readonly FoldedStack[]) t += s.count;
  return t;
}

/** Stack indices in flame graph order: frame by frame by name, a stack before those above it (stable). */
function sortedOrder(p: PackedStacks): number[] {
  const byName = Array.from(p.names.keys()).sort((a, b) =>
    p.names[a] < p.names[b] ? -1 : p.names[a] > p.names[b] ? 1 : 0,
  );
  const rank = new Int32Array(p.names.length);
  for (let r = 0; r < byName.length; r++) rank[byName[r]] = r;
  const ranked = new Int32Array(p.ids.length);
  for (let k = 0; k < ranked.length; k++) ranked[k] = rank[p.ids[k]];
  const { ends } = p;
  const order = Array.from({ length: p.length }, (_, i) => i);
  return order.sort((a, b) => {
    const a0 = a === 0 ? 0 : ends[a - 1];
    const b0 = b === 0 ? 0 : ends[b - 1];
    const n = Math.min(ends[a] - a0, ends[b] - b0);
    for (let k = 0; k < n; k++) {
      const d = ranked[a0 + k] - ranked[b0 + k];
      if (d !== 0) return d;
    }
    return ends[a] - a0 - (ends[b] - b0);
  });
}

/** Lay out stacks as frames. */
export function flow(input: readonly FoldedStack[] | PackedStacks, opts: FlowOptions = {}): Layout {
  const p = Array.isArray(input) ? packStacks(input as readonly FoldedStack[]) : (input as PackedStacks);
  const order = opts.chart ? null : sortedOrder(p);
  const { names, ids, ends, counts, befores } = p;
  const min = opts.minSamples ?? 0;
  const frames: Frame[] = [];
  let maxDepth = 0;
  let maxDelta = 0;
  // The frames of the previous stack still open, at depth i + 1 (the root is implicit):
  // id, start and delta in three arrays (no object per frame of every stack).
  const openId: number[] = [];
  const openX: number[] = [];
  const openDelta: number[] = [];
  let depthOpen = 0;
  let time = 0;
  const close = (i: number, end: number) => {
    const w = end - openX[i];
    if (w <= 0 || w < min) return;
    const depth = i + 1;
    const delta = openDelta[i];
    frames.push({ name: names[openId[i]], depth, x: openX[i], w, delta });
    if (depth > maxDepth) maxDepth = depth;
    if (Math.abs(delta) > maxDelta) maxDelta = Math.abs(delta);
  };
  for (let o = 0; o < p.length; o++) {
    const s = order ? order[o] : o;
    const count = counts[s];
    // NaN: a record without a before count (no delta of its own)
    const before = befores ? befores[s] : Number.NaN;
    if (count <= 0 && (before === 0 || Number.isNaN(before))) continue;
    const start = s === 0 ? 0 : ends[s - 1];
    const len = ends[s] - start;
    let same = 0;
    const n = Math.min(len, depthOpen);
    while (same < n && openId[same] === ids[start + same]) same++;
    for (let i = depthOpen - 1; i >= same; i--) close(i, time);
    for (let i = same; i < len; i++) {
      openId[i] = ids[start + i];
      openX[i] = time;
      openDelta[i] = 0;
    }
    depthOpen = len;
    if (!Number.isNaN(before) && len > 0) openDelta[len - 1] += count - before;
    time += count;
  }
  for (let i = depthOpen - 1; i >= 0; i--) close(i, time);
  if (time > 0) frames.push({ name: "all", depth: 0, x: 0, w: time, delta: 0 });
  // Parents before children: the root first, then by depth.
  frames.reverse();
  return { frames, total: time, maxDepth, maxDelta };
}
