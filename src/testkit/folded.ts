// Helpers for tests over folded stacks (parsed by the flame tool's parser, tools/flame/folded.ts).
import type { FoldedStack } from "../tools/flame/folded.js";

export { parseFolded } from "../tools/flame/folded.js";

/** Sum of counts of the stacks that `match`. */
export function sumWhere(stacks: readonly FoldedStack[], match: (s: FoldedStack) => boolean): number {
  let n = 0;
  for (const s of stacks) if (match(s)) n += s.count;
  return n;
}

/** True when `frames` holds `seq` as consecutive frames anywhere. */
export function containsSeq(frames: readonly string[], seq: readonly string[]): boolean {
  for (let at = 0; at + seq.length <= frames.length; at++)
    if (seq.every((f, i) => frames[at + i] === f)) return true;
  return false;
}
