// Stacks merged into a tree, and the tree laid out as frames (x and width in samples).
// Flame graph: siblings merged by name and sorted alphabetically (flamegraph.pl sorts its
// input). Flame chart: input order kept (time order), only adjacent identical frames
// merged. Differential: widths from the second profile, each frame's delta is the change
// of the samples that end in it (flamegraph.pl's semantics for difffolded input).
import type { FoldedStack } from "./folded.js";

export interface FlameNode {
  name: string;
  /** Samples in this frame and everything above it. */
  value: number;
  /** Differential: (after - before) of the stacks whose leaf is this frame. */
  delta: number;
  children: FlameNode[];
}

export interface TreeOptions {
  /** Keep input order and merge only adjacent identical frames (flame chart). */
  chart?: boolean;
}

/** The root frame ("all") with every stack merged under it. */
export function buildTree(stacks: readonly FoldedStack[], opts: TreeOptions = {}): FlameNode {
  const root: FlameNode = { name: "all", value: 0, delta: 0, children: [] };
  const index = new Map<FlameNode, Map<string, FlameNode>>();
  for (const s of stacks) {
    if (s.count === 0 && (s.before ?? 0) === 0) continue;
    let node = root;
    node.value += s.count;
    for (const name of s.frames) {
      let next: FlameNode | undefined;
      let kids: Map<string, FlameNode> | undefined;
      if (opts.chart) {
        const last = node.children[node.children.length - 1];
        if (last && last.name === name) next = last;
      } else {
        kids = index.get(node);
        if (!kids) {
          kids = new Map();
          index.set(node, kids);
        }
        next = kids.get(name);
      }
      if (!next) {
        next = { name, value: 0, delta: 0, children: [] };
        node.children.push(next);
        kids?.set(name, next);
      }
      next.value += s.count;
      node = next;
    }
    if (s.before !== undefined) node.delta += s.count - s.before;
  }
  if (!opts.chart) sortTree(root);
  return root;
}

function sortTree(root: FlameNode): void {
  const todo = [root];
  while (todo.length) {
    const n = todo.pop()!;
    if (n.children.length > 1) n.children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const c of n.children) todo.push(c);
  }
}

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
  frames: Frame[];
  total: number;
  maxDepth: number;
  /** Largest |delta| of any frame (colour scale of differential graphs). */
  maxDelta: number;
}

/**
 * Frames in drawing order (parents before children). Frames narrower than `minSamples`
 * are left out with everything above them (flamegraph.pl --minwidth).
 */
export function layout(root: FlameNode, minSamples = 0): Layout {
  const frames: Frame[] = [];
  let maxDepth = 0;
  let maxDelta = 0;
  const stack: [FlameNode, number, number][] = [[root, 0, 0]];
  while (stack.length) {
    const [n, depth, x] = stack.pop()!;
    if (n.value <= 0 || (depth > 0 && n.value < minSamples)) continue;
    frames.push({ name: n.name, depth, x, w: n.value, delta: n.delta });
    if (depth > maxDepth) maxDepth = depth;
    if (Math.abs(n.delta) > maxDelta) maxDelta = Math.abs(n.delta);
    // Children start at the parent's left edge; pushed right to left so they come out
    // left to right.
    const xs: number[] = [];
    let cx = x;
    for (const c of n.children) {
      xs.push(cx);
      cx += c.value;
    }
    for (let i = n.children.length - 1; i >= 0; i--) stack.push([n.children[i], depth + 1, xs[i]]);
  }
  return { frames, total: root.value, maxDepth, maxDelta };
}
