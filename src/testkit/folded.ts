// Folded stacks ("a;b;c 12" per line, flamegraph.pl's input) parsed for tests: the count is
// after the last space; frames are split on ";".
export interface FoldedStack {
  frames: string[];
  count: number;
}

export function parseFolded(text: string): FoldedStack[] {
  const out: FoldedStack[] = [];
  for (const line of text.split("\n")) {
    const sp = line.lastIndexOf(" ");
    if (sp <= 0) continue;
    const count = Number(line.slice(sp + 1));
    if (!Number.isFinite(count)) continue;
    out.push({ frames: line.slice(0, sp).split(";"), count });
  }
  return out;
}

/** Sum of counts of the stacks that `match`. */
export function sumWhere(stacks: readonly FoldedStack[], match: (s: FoldedStack) => boolean): number {
  let n = 0;
  for (const s of stacks) if (match(s)) n += s.count;
  return n;
}

/** True when `frames` holds `seq` as consecutive frames ending at the leaf. */
export function endsWith(frames: readonly string[], seq: readonly string[]): boolean {
  if (seq.length > frames.length) return false;
  const at = frames.length - seq.length;
  return seq.every((f, i) => frames[at + i] === f);
}

/** True when `frames` holds `seq` as consecutive frames anywhere. */
export function containsSeq(frames: readonly string[], seq: readonly string[]): boolean {
  for (let at = 0; at + seq.length <= frames.length; at++)
    if (seq.every((f, i) => frames[at + i] === f)) return true;
  return false;
}
