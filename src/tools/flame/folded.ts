// Folded stacks (Brendan Gregg's FlameGraph format): one stack per line, frames root first
// joined by ';', then whitespace and a count (decimals allowed). difffolded output has two
// counts (before, after). Pure: text in, records out; bad lines are an InputError that
// names the line.
import { InputError } from "../../errors.js";

export interface FoldedStack {
  /** Frames, root first. */
  frames: string[];
  /** Samples (or any weight): the width. */
  count: number;
  /** Differential input: the count in the first profile (the "before"). */
  before?: number;
}

export const NUMBER = /^\d+(?:\.\d*)?(?:[eE][+-]?\d+)?$|^\.\d+$/;

/**
 * Parse folded text. Blank lines are skipped; trailing spaces and CR are ignored. `name`
 * is used in error messages (a file name or "stdin"). With `diff`, each line may carry
 * two counts (before after); a line with one count is taken as after-only.
 */
export function parseFolded(text: string, name = "input", diff = false): FoldedStack[] {
  const out: FoldedStack[] = [];
  // One string per distinct frame name: equal frames compare by identity, and a profile of
  // a million frames over a few thousand functions keeps a few thousand strings.
  const names = new Map<string, string>();
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    lineNo++;
    const line = text.slice(start, end).trimEnd();
    start = end + 1;
    if (line.trim() === "") continue;
    const rec = parseLine(line, name, lineNo, diff);
    const f = rec.frames;
    for (let i = 0; i < f.length; i++) {
      const known = names.get(f[i]);
      if (known === undefined) names.set(f[i], f[i]);
      else f[i] = known;
    }
    out.push(rec);
  }
  return out;
}

/** The text before the last run of spaces/tabs, and the word after it. */
function splitCount(line: string): [string, string] | null {
  let i = line.length - 1;
  while (i >= 0 && line.charCodeAt(i) !== 32 && line.charCodeAt(i) !== 9) i--;
  if (i < 0 || i === line.length - 1) return null;
  const word = line.slice(i + 1);
  while (i >= 0 && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i--;
  return [line.slice(0, i + 1), word];
}

/** One non-blank line (trimmed at the end) to a record, or an InputError naming the line. */
export function parseLine(line: string, name: string, lineNo: number, diff: boolean): FoldedStack {
  const bad = (why: string) =>
    new InputError(`${name}:${lineNo}: ${why} (folded stacks: frame;frame;frame COUNT)`);
  const last = splitCount(line);
  if (!last) throw bad("no count after the stack");
  if (!NUMBER.test(last[1])) throw bad(`count '${clip(last[1])}' is not a non-negative number`);
  let stack = last[0];
  const count = Number(last[1]);
  let before: number | undefined;
  if (diff) {
    const prev = splitCount(stack);
    if (prev && NUMBER.test(prev[1])) {
      before = Number(prev[1]);
      stack = prev[0];
    }
  }
  stack = stack.trimStart();
  if (stack === "") throw bad("empty stack before the count");
  if (!Number.isFinite(count)) throw bad(`count '${clip(last[1])}' is too large`);
  const rec: FoldedStack = { frames: stack.split(";"), count };
  if (diff) rec.before = before ?? 0;
  return rec;
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** Identical stacks summed, sorted by stack text (what stackcollapse tools print). */
export function collapse(stacks: readonly FoldedStack[]): FoldedStack[] {
  const byKey = new Map<string, FoldedStack>();
  for (const s of stacks) {
    const key = s.frames.join(";");
    const cur = byKey.get(key);
    if (cur) {
      cur.count += s.count;
      if (s.before !== undefined) cur.before = (cur.before ?? 0) + s.before;
    } else byKey.set(key, { ...s, frames: s.frames });
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

/** Folded text of stacks, one line each (difffolded's two counts when `before` is set). */
export function formatFolded(stacks: readonly FoldedStack[]): string {
  const fmt = (n: number) => (Number.isInteger(n) ? String(n) : String(Math.round(n * 1e6) / 1e6));
  return stacks
    .map((s) => `${s.frames.join(";")} ${s.before !== undefined ? `${fmt(s.before)} ` : ""}${fmt(s.count)}\n`)
    .join("");
}

/**
 * difffolded: two profiles merged into one list with before (A) and after (B) counts.
 * `normalize` scales A to B's total (difffolded.pl -n).
 */
export function diffFolded(
  a: readonly FoldedStack[],
  b: readonly FoldedStack[],
  normalize = false,
): FoldedStack[] {
  const total = (xs: readonly FoldedStack[]) => xs.reduce((t, s) => t + s.count, 0);
  const scale = normalize && total(a) > 0 ? total(b) / total(a) : 1;
  const merged = new Map<string, FoldedStack>();
  for (const s of a) {
    const key = s.frames.join(";");
    const cur = merged.get(key) ?? { frames: s.frames, count: 0, before: 0 };
    cur.before = (cur.before ?? 0) + s.count * scale;
    merged.set(key, cur);
  }
  for (const s of b) {
    const key = s.frames.join(";");
    const cur = merged.get(key) ?? { frames: s.frames, count: 0, before: 0 };
    cur.count += s.count;
    merged.set(key, cur);
  }
  return [...merged.values()];
}

/** Each stack's frames reversed (leaf first at the root: flamegraph.pl --reverse). */
export function reverseStacks(stacks: readonly FoldedStack[]): FoldedStack[] {
  return stacks.map((s) => ({ ...s, frames: [...s.frames].reverse() }));
}
