// A stack tool's folded stacks straight to a flame graph (`tsnap profile -o FILE.svg`,
// `tsnap offcputime -o FILE.svg`): drawn as `tsnap flame` draws them with its defaults
// (1200 px, hot colours unless the tool says, frames under 0.1 px left out), written to a file.
import { writeFileSync } from "node:fs";
import { InputError } from "../../errors.js";
import { parseFolded } from "./folded.js";
import { DEFAULT_SVG, renderSvg, type SvgOptions, XPAD } from "./svg.js";
import { flow, totalOf } from "./tree.js";

/** The SVG of folded text (`frame;frame count` lines); `title`, `subtitle`, `countName`, `palette` as flame's flags. */
export function foldedSvg(
  folded: string,
  o: Pick<SvgOptions, "title" | "subtitle" | "countName"> & Partial<Pick<SvgOptions, "palette">>,
): string {
  const stacks = parseFolded(folded);
  const svg: SvgOptions = { ...DEFAULT_SVG, ...o, palette: o.palette ?? DEFAULT_SVG.palette };
  const total = totalOf(stacks);
  const perSample = total > 0 ? (svg.width - 2 * XPAD) / total : 0;
  return renderSvg(flow(stacks, { minSamples: perSample > 0 ? 0.1 / perSample : 0 }), svg);
}

/** Writes `text` to `path` (created or truncated); a failure is an InputError naming the file. */
export function writeReport(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (err) {
    throw new InputError(`cannot write ${path}`, { cause: err });
  }
}
