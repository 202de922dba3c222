// Stacks merged into frames with x and width in samples, as flamegraph.pl's flow() does:
// stacks sorted frame by frame (a flame graph) or kept in input order (a flame chart);
// each stack keeps open the frames it shares with the previous one and opens new ones;
// a frame spans the samples of the stacks that passed through it while it was open. No
// tree is built, so memory is the frames drawn plus one stack. A frame's own samples
// (stacks ending in it) lie left of its children, as in flamegraph.pl. Differential: the
// widths are the second profile's counts, and a frame's delta is (after - before) of the
// stacks that end in it (flamegraph.pl's semantics for difffolded input).
import type { FoldedStack } from "./folded.js";

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

/** Frame by frame, in UTF-16 code unit order; a stack sorts before the stacks above it. */
export function compareStacks(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}

export function totalOf(stacks: readonly FoldedStack[]): number {
  let t = 0;
  for (const s of stacks) t += s.count;
  return t;
}

/** Lay out stacks as frames. */
export function flow(stacks: readonly FoldedStack[], opts: FlowOptions = {}): Layout {
  const ordered = opts.chart ? stacks : [...stacks].sort((a, b) => compareStacks(a.frames, b.frames));
  const min = opts.minSamples ?? 0;
  const frames: Frame[] = [];
  let maxDepth = 0;
  let maxDelta = 0;
  // The frames of the previous stack still open, at depth i + 1 (the root is implicit):
  // name, start and delta in three arrays (no object per frame of every stack).
  const openName: string[] = [];
  const openX: number[] = [];
  const openDelta: number[] = [];
  let depthOpen = 0;
  let time = 0;
  const close = (i: number, end: number) => {
    const w = end - openX[i];
    if (w <= 0 || w < min) return;
    const depth = i + 1;
    const delta = openDelta[i];
    frames.push({ name: openName[i], depth, x: openX[i], w, delta });
    if (depth > maxDepth) maxDepth = depth;
    if (Math.abs(delta) > maxDelta) maxDelta = Math.abs(delta);
  };
  for (const s of ordered) {
    if (s.count <= 0 && (s.before ?? 0) === 0) continue;
    const f = s.frames;
    let same = 0;
    const n = Math.min(f.length, depthOpen);
    while (same < n && openName[same] === f[same]) same++;
    for (let i = depthOpen - 1; i >= same; i--) close(i, time);
    for (let i = same; i < f.length; i++) {
      openName[i] = f[i];
      openX[i] = time;
      openDelta[i] = 0;
    }
    depthOpen = f.length;
    if (s.before !== undefined && f.length > 0) openDelta[f.length - 1] += s.count - s.before;
    time += s.count;
  }
  for (let i = depthOpen - 1; i >= 0; i--) close(i, time);
  if (time > 0) frames.push({ name: "all", depth: 0, x: 0, w: time, delta: 0 });
  // Parents before children: the root first, then by depth.
  frames.reverse();
  return { frames, total: time, maxDepth, maxDelta };
}
