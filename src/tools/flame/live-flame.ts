// `tsnap top --flame FILE`: the window's groups (rows of the -g columns, avg_threads each)
// as a thread-state flame graph, frames in the order of the columns.
import { writeFileSync } from "node:fs";
import { InputError } from "../../errors.js";
import type { FoldedStack } from "./folded.js";
import { levelFrames, levelKind } from "./level-frames.js";
import { DEFAULT_SVG, renderSvg } from "./svg.js";
import { flow } from "./tree.js";

export function liveStacks(
  columns: readonly string[],
  rows: readonly { values: readonly unknown[]; avg_threads: number }[],
): FoldedStack[] {
  return rows.map((r) => {
    const frames = columns.flatMap((c, i) => levelFrames(r.values[i], levelKind(c), { sep: "<-" }));
    return { frames: frames.length ? frames : ["-"], count: r.avg_threads };
  });
}

/** Writes the SVG (replaced at every window with --interval). */
export function writeLiveFlame(
  path: string,
  columns: readonly string[],
  rows: readonly { values: readonly unknown[]; avg_threads: number }[],
  subtitle: string,
): void {
  const svg = renderSvg(flow(liveStacks(columns, rows)), {
    ...DEFAULT_SVG,
    title: "Thread States",
    subtitle: `${subtitle}; ${columns.join(" → ")}; widths in avg threads`,
    countName: "avg threads",
  });
  try {
    writeFileSync(path, svg);
  } catch (err) {
    throw new InputError("--flame: cannot write output", { cause: err });
  }
}
