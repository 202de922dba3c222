// The threads peek of `tsnap ui` as text: a swimlane per thread (the busiest of the
// selection first), one character per time bucket, the state the thread was sampled in
// most in that bucket as a coloured block (its letter with NO_COLOR), blank when it was
// not sampled. Pure: data and size in, lines out.
import type { SelectionLanes } from "./selection-data.js";
import { type ColorMode, cell, fit } from "./ui-style.js";

/** Width of a lane's label: "   1234 comm........ │". */
export const LANE_LABEL = 7 + 1 + 14 + 2;

/** Time buckets and threads that fit a peek `W` wide and `rows` high (its header, axis and note left out). */
export function lanesRows(W: number, rows: number): { columns: number; threads: number } {
  return { columns: Math.max(1, W - LANE_LABEL - 1), threads: Math.max(1, rows - 4) };
}

const clock = (us: number) => new Date(us / 1000).toISOString().slice(11, 19);

export function laneLines(d: SelectionLanes, W: number, mode: ColorMode): string[] {
  if (d.lanes.length === 0) return ["no threads in this window"];
  const cols = Math.max(1, W - LANE_LABEL - 1);
  const out = [
    `${"tid".padStart(7)} ${fit("comm", 14)}  the ${d.lanes.length} busiest of ${d.threads} threads`,
  ];
  for (const l of d.lanes) {
    const lane = l.states
      .slice(0, cols)
      .map((s) => (s === null ? " " : cell(s, mode)))
      .join("");
    out.push(`${String(l.tid).padStart(7)} ${fit(l.comm, 14)} │${lane}`);
  }
  const span = Math.min(cols, d.lanes[0].states.length);
  const left = clock(d.startUs);
  const right = clock(d.startUs + span * d.bucketUs);
  const axis = span > left.length + right.length ? `${left}${right.padStart(span - left.length)}` : left;
  out.push(`${" ".repeat(LANE_LABEL)}${axis}`);
  out.push(`${" ".repeat(LANE_LABEL)}a column is ${d.bucketUs / 1e6} s: the state sampled most in it`);
  return out;
}
