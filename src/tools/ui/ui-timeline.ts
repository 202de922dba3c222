// The timeline across the top: avg threads per time bucket, stacked by state (RUN at the
// bottom), as rows of coloured blocks (state letters without colour), with the peak on
// the left and the window's ends below. Pure: points in, lines out.
import { timeText } from "../../ui-model/view-query.js";
import type { Window } from "../../ui-model/view-window.js";
import type { TimelinePoint } from "./ui-data.js";
import { type ColorMode, cell, fit, paint, stateRank, stateStyle } from "./ui-style.js";

/** Width of the left axis labels ("12.34 ┤"). */
export const AXIS_WIDTH = 8;

export interface TimelineColumns {
  /** Avg threads per state, one map per column, oldest first. */
  stacks: Map<string, number>[];
  peak: number;
}

/** Buckets → columns: bucket start t lands in column (t - window start) / bucket. */
export function timelineColumns(
  points: readonly TimelinePoint[],
  w: Window,
  bucketUs: number,
): TimelineColumns {
  const start = Math.floor(w.fromUs / bucketUs) * bucketUs;
  const n = Math.max(1, Math.ceil((w.toUs - start) / bucketUs));
  const stacks = Array.from({ length: n }, () => new Map<string, number>());
  for (const p of points) {
    const i = Math.floor((p.t - start) / bucketUs);
    if (i < 0 || i >= n) continue;
    stacks[i].set(p.state, (stacks[i].get(p.state) ?? 0) + p.avg);
  }
  let peak = 0;
  for (const s of stacks)
    peak = Math.max(
      peak,
      [...s.values()].reduce((a, b) => a + b, 0),
    );
  return { stacks, peak };
}

/** The state a cell shows: the one whose stacked range covers the cell's middle. */
function stateAt(stack: Map<string, number>, value: number): string | null {
  let sum = 0;
  for (const [state, v] of [...stack].sort((a, b) => stateRank(a[0]) - stateRank(b[0]))) {
    sum += v;
    if (value < sum) return state;
  }
  return null;
}

/** `height` rows of bars plus one line of times; every line exactly `width` characters. */
export function renderTimeline(
  points: readonly TimelinePoint[],
  w: Window,
  bucketUs: number,
  width: number,
  height: number,
  mode: ColorMode,
): string[] {
  const { stacks, peak } = timelineColumns(points, w, bucketUs);
  const cols = Math.min(stacks.length, Math.max(1, width - AXIS_WIDTH));
  const shown = stacks.slice(stacks.length - cols);
  const unit = peak > 0 ? peak / height : 1;
  const lines: string[] = [];
  for (let row = height - 1; row >= 0; row--) {
    const label = row === height - 1 ? peak.toFixed(2) : row === 0 ? "0" : "";
    let line = `${label.padStart(AXIS_WIDTH - 2)} ┤`;
    for (const stack of shown) {
      const total = [...stack.values()].reduce((a, b) => a + b, 0);
      const st = stateAt(stack, (row + 0.5) * unit);
      if (st) line += cell(st, mode);
      else if (row === 0 && total > 0) {
        // Less than half a row: a low mark, so no activity never looks like some.
        const top = [...stack.keys()].sort((a, b) => stateRank(a) - stateRank(b)).pop()!;
        line += mode === "none" ? stateStyle(top).letter.toLowerCase() : paint(top, "▁", mode);
      } else line += " ";
    }
    lines.push(line + " ".repeat(Math.max(0, width - AXIS_WIDTH - shown.length)));
  }
  const from = timeText(w.fromUs).replace("T", " ").slice(0, 19);
  const to = timeText(w.toUs).replace("T", " ").slice(0, 19);
  const mid = ` ${bucketUs / 1e6} s per column `;
  const room = width - AXIS_WIDTH - from.length - to.length;
  const axis =
    room >= mid.length
      ? `${from}${fit(mid.padStart(Math.floor((room + mid.length) / 2)), room)}${to}`
      : fit(`${from} → ${to}`, width - AXIS_WIDTH);
  lines.push(" ".repeat(AXIS_WIDTH) + axis);
  return lines;
}

/** "█ RUN █ RUNQ █ DISK" for the states present (letters without colour). */
export function legend(points: readonly TimelinePoint[], mode: ColorMode): string {
  const states = [...new Set(points.map((p) => p.state))].sort((a, b) => stateRank(a) - stateRank(b));
  if (states.length === 0) return "no samples in this window";
  return states.map((s) => `${cell(s, mode)} ${s}`).join("  ");
}
