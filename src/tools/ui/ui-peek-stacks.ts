// The stack peeks of `tsnap ui` as text: the top kernel and user stacks of a selection as
// `tsnap query --stacks` prints them (the same renderer, so the same numbers), and the
// thread-state icicle graph (a flame graph with its root on top: state → comm → user
// stack → syscall → kernel stack, widths in avg threads) laid out by flame/tree.ts as
// `tsnap flame` does and drawn one character per 1/width of the total. Each frame is a
// run of its name cut to its width, opened by a bar; frames under a state take its
// colour (its letter stays readable with NO_COLOR). Pure: data and size in, lines out.
import type { StackRow } from "../../query/history.js";
import { renderQueryResult } from "../../query/render.js";
import { renderStackTiles } from "../../report/stacktiles.js";
import { formatTimestampUs } from "../../store/files.js";
import type { Frame } from "../flame/tree.js";
import { flow } from "../flame/tree.js";
import type { SelectionStacks } from "./selection-data.js";
import { type ColorMode, fit, paint } from "./ui-style.js";

/** The top stacks' lines: kernel, then user, each as `tsnap query --stacks KIND`. */
export function topStacksLines(d: SelectionStacks): string[] {
  const window = {
    from: formatTimestampUs(d.window.fromUs),
    to: formatTimestampUs(d.window.toUs),
    covered_seconds: d.coveredSeconds,
  };
  const out: string[] = [];
  for (const kind of ["kernel", "user"] as const) {
    const rows = kind === "kernel" ? d.kernel : d.user;
    out.push(`top ${kind} stacks (tsnap query --stacks ${kind}):`);
    if (rows.length === 0) out.push("  no samples");
    const text = renderQueryResult({ kind: "stacks", window, rows }, "table");
    out.push(...text.replace(/\n+$/, "").split("\n"));
    out.push("");
  }
  return out;
}

/** Stacktiles (`tsnap top --stacks`'s): the top kernel stacks side by side, then the user ones. */
export function tileLines(d: SelectionStacks, W: number): string[] {
  const totalAvg = d.flame.reduce((a, s) => a + s.count, 0);
  const frames = (r: StackRow) => r.frames ?? [r.hash ? "(unresolved)" : "(no stack)"];
  const out: string[] = [];
  for (const kind of ["kernel", "user"] as const) {
    const rows = kind === "kernel" ? d.kernel : d.user;
    const text = renderStackTiles(
      rows.map((r) => ({ frames: frames(r), avgThreads: r.avg_threads })),
      {
        title: `top ${kind} stacks, leaf first (share of ${totalAvg.toFixed(2)} avg threads):`,
        width: W - 1,
        totalAvg,
      },
    );
    out.push(
      ...text
        .replace(/\n+$/, "")
        .split("\n")
        .map((l) => ` ${l}`),
      "",
    );
  }
  return out;
}

/** One line per depth of the icicle graph, `W` characters wide; frames narrower than a character are left out. */
export function icicleLines(d: SelectionStacks, W: number, mode: ColorMode): string[] {
  const layout = flow(d.flame);
  if (layout.total <= 0) return ["no samples in this window"];
  const scale = W / layout.total;
  const rows: { frame: Frame; from: number; to: number }[][] = [];
  let states: { from: number; to: number; name: string }[] = [];
  for (const f of layout.frames) {
    const from = Math.round(f.x * scale);
    const to = Math.round((f.x + f.w) * scale);
    if (to - from < 1) continue;
    if (!rows[f.depth]) rows[f.depth] = [];
    rows[f.depth].push({ frame: f, from, to });
    if (f.depth === 1) states.push({ from, to, name: f.name });
  }
  states = states.sort((a, b) => a.from - b.from);
  const stateAt = (x: number) => states.find((s) => x >= s.from && x < s.to)?.name ?? "";
  const out: string[] = [];
  for (const row of rows) {
    if (!row) continue;
    row.sort((a, b) => a.from - b.from);
    let line = "";
    let at = 0;
    for (const r of row) {
      if (r.from > at) line += " ".repeat(r.from - at);
      const w = r.to - r.from;
      // Too narrow for a cut name with its ellipsis: the bar, and the name's first letter.
      const text = w < 4 ? `▏${r.frame.name}`.slice(0, w).padEnd(w) : fit(`▏${r.frame.name}`, w);
      line += r.frame.depth === 0 ? text : paint(stateAt(r.from), text, mode);
      at = r.to;
    }
    out.push(line);
  }
  return out;
}

/** The flame tab's lines: a note of the scale, then the icicle graph. */
export function flameLines(d: SelectionStacks, W: number, mode: ColorMode): string[] {
  const total = d.flame.reduce((a, s) => a + s.count, 0);
  return [
    `full width ${total.toFixed(2)} avg threads; state → comm → ustack → syscall → kstack (tsnap flame)`,
    ...icicleLines(d, W, mode),
  ];
}
