// tsnap flame: folded stacks (a file, stdin, or two files for a differential graph) or a
// capture directory's thread states to a self-contained interactive SVG, or back to folded
// text (--folded). The parsing, tree, layout and SVG are pure (the other modules of this folder); this reads
// inputs, resolves flags and writes the output.
import { closeSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import {
  decimalFlag,
  flagHelp,
  listOptionFlag,
  numberFlag,
  oneOfFlag,
  parseFlags,
  switchFlag,
  textFlag,
} from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { fromFlag, toFlag, whereFlag } from "../../command/flags.js";
import { InputError, TsnapError, UsageError } from "../../errors.js";
import { duckMessage } from "../../query/duck.js";
import { parseFilter } from "../../query/filter.js";
import { openHistory, resolveWindow } from "../../query/history.js";
import { formatTimestampUs } from "../../store/files.js";
import { PALETTES, type Palette } from "./colors.js";
import { tool } from "./flame.tool.js";
import {
  collapse,
  diffFolded,
  type FoldedStack,
  formatFolded,
  parseFolded,
  reverseStacks,
} from "./folded.js";
import { readPacked } from "./folded-reader.js";
import { DEFAULT_LEVELS, historyStacks, parseLevels } from "./history-stacks.js";
import { type PackedStacks, reversePacked, unpackStacks } from "./packed.js";
import { DEFAULT_SVG, renderSvgTo, type SvgOptions, XPAD } from "./svg.js";
import { flow, totalOf } from "./tree.js";

const OUTPUT_FLAGS = {
  output: textFlag({ long: "output", short: "o", arg: "FILE", help: "write here instead of stdout" }),
  folded: switchFlag({
    long: "folded",
    help: "print folded stacks instead of an SVG (merged and sorted; with --diff: BEFORE AFTER counts per line, difffolded's format)",
  }),
};
const GRAPH_FLAGS = {
  title: textFlag({
    long: "title",
    arg: "TEXT",
    help: "(default: Flame Graph; Icicle Graph; Flame Chart; Thread States)",
  }),
  subtitle: textFlag({ long: "subtitle", arg: "TEXT", help: "a second line under the title" }),
  width: decimalFlag({
    long: "width",
    arg: "PX",
    help: `image width (default ${DEFAULT_SVG.width})`,
    min: 2 * XPAD + 10,
    max: 1e6,
    fallback: DEFAULT_SVG.width,
  }),
  height: decimalFlag({
    long: "height",
    arg: "PX",
    help: `height of one frame (default ${DEFAULT_SVG.frameHeight})`,
    min: 2,
    max: 1000,
    fallback: DEFAULT_SVG.frameHeight,
  }),
  fontsize: decimalFlag({
    long: "fontsize",
    arg: "PX",
    help: `(default ${DEFAULT_SVG.fontSize})`,
    min: 1,
    max: 200,
    fallback: DEFAULT_SVG.fontSize,
  }),
  minwidth: textFlag({
    long: "minwidth",
    arg: "PX|N%",
    help: "leave out frames narrower than this (default 0.1)",
  }),
  colors: oneOfFlag<Palette>({
    long: "colors",
    arg: "PALETTE",
    choices: PALETTES,
    fallback: "hot",
    help: `${PALETTES.join(", ")} (default hot)`,
  }),
  hash: switchFlag({
    long: "hash",
    help: "colour by name: the same function, the same colour in every graph",
  }),
  countname: textFlag({
    long: "countname",
    arg: "NAME",
    help: `what a count is (default ${DEFAULT_SVG.countName})`,
  }),
  nametype: textFlag({
    long: "nametype",
    arg: "TEXT",
    help: `label of the hovered frame (default ${DEFAULT_SVG.nameType})`,
  }),
  reverse: switchFlag({
    long: "reverse",
    help: "reverse each stack (leaf at the bottom: who calls the hot leaves)",
  }),
  inverted: switchFlag({ long: "inverted", help: "icicle graph: root at the top" }),
  flamechart: switchFlag({
    long: "flamechart",
    help: "keep input order (time order), merge only adjacent identical frames, no sorting",
  }),
};
const DIFF_FLAGS = {
  diff: switchFlag({
    long: "diff",
    help: "two inputs, BEFORE and AFTER (or one with two counts a line): widths from AFTER; red = the frame's samples grew, blue = shrank",
  }),
  negate: switchFlag({ long: "negate", help: "swap the hues (red = shrank)" }),
  normalize: switchFlag({ long: "normalize", help: "scale BEFORE to AFTER's total first (difffolded -n)" }),
};
const HISTORY_FLAGS = {
  from: fromFlag,
  to: toFlag,
  where: whereFlag,
  levels: listOptionFlag({
    long: "levels",
    arg: "LIST",
    help: `frames from the root up: state, comm, ustack, syscall, kstack, or any tsnap query column (default ${DEFAULT_LEVELS.join(",")})`,
  }),
  offsets: switchFlag({
    long: "offsets",
    help: "keep +0x offsets in stack frames (default: merged by function)",
  }),
};
const FLAGS = { ...OUTPUT_FLAGS, ...GRAPH_FLAGS, ...DIFF_FLAGS, ...HISTORY_FLAGS };
type FlameValues = ReturnType<typeof parseFlags<typeof FLAGS>>["values"];

const help = `tsnap flame [FILE|-] [options]: folded stacks to an interactive flame graph (SVG)
tsnap flame --diff BEFORE AFTER [options]: differential flame graph of two profiles
tsnap flame DIR [--from T] [--to T] [-w FILTER] [options]: what every sampled thread was
  doing in a window of captured history, on and off CPU, widths in avg threads

Input is folded stacks (FlameGraph's format, root first): frame;frame;frame COUNT
(counts may have decimals; blank lines are skipped). FILE '-' or no FILE reads stdin.
The SVG is self-contained (inline script, no network): click a frame to zoom, Reset
Zoom, Search (regex; matches in purple with "Matched: N%" of all samples; "ic" ignores
case; Ctrl-F), tooltips with count and share.

OUTPUT
${flagHelp(OUTPUT_FLAGS, false)}GRAPH
${flagHelp(GRAPH_FLAGS, false)}DIFFERENTIAL (difffolded semantics)
${flagHelp(DIFF_FLAGS, false)}HISTORY (DIR: a tsnap capture or 0x.tools xcapture directory; -w etc. as in tsnap query)
${flagHelp(HISTORY_FLAGS)}
EXAMPLES
  tsnap flame out.folded -o cpu.svg                   a CPU flame graph
  perf script | stackcollapse-perf.pl | tsnap flame > perf.svg
  tsnap flame --diff before.folded after.folded -o diff.svg
  tsnap flame --reverse --colors blue --countname us offcpu.folded -o offcpu.svg
  tsnap flame --flamechart trace.folded -o chart.svg  time order kept
  tsnap flame ./cap --from 13:05 --to 13:10 -o threads.svg    all threads, 5 minutes
  tsnap flame ./cap -w "comm~^postgres" --levels state,syscall,kstack -o pg.svg
  tsnap flame ./cap --folded | grep DISK               thread states as folded text
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values: v, positionals } = parseFlags(argv, FLAGS, Number.POSITIVE_INFINITY);
  const svg: SvgOptions = {
    ...DEFAULT_SVG,
    width: v.width,
    frameHeight: v.height,
    fontSize: v.fontsize,
    palette: v.colors,
    hash: v.hash,
    countName: v.countname ?? DEFAULT_SVG.countName,
    nameType: v.nametype ?? DEFAULT_SVG.nameType,
    inverted: v.inverted,
    diff: v.diff,
    negate: v.negate,
    subtitle: v.subtitle,
  };
  const minwidth = minWidthFlag(v.minwidth);
  if (v.negate && !v.diff) throw new UsageError("--negate needs --diff");
  if (v.normalize && !v.diff) throw new UsageError("--normalize needs --diff");

  // One input of plain folded stacks is read packed, straight from its bytes (packed.ts).
  let stacks: FoldedStack[] | PackedStacks;
  let defaultTitle = v.flamechart ? "Flame Chart" : v.inverted ? "Icicle Graph" : "Flame Graph";
  const dir = positionals.length === 1 && !v.diff && isDir(positionals[0]) ? positionals[0] : undefined;
  const historyOnly = (Object.keys(HISTORY_FLAGS) as (keyof typeof HISTORY_FLAGS)[]).find((k) => {
    const x = v[k];
    return Array.isArray(x) ? x.length > 0 : x !== undefined && x !== false;
  });
  if (dir === undefined && historyOnly)
    throw new UsageError(
      `--${HISTORY_FLAGS[historyOnly].long} reads captured history: give a capture directory`,
    );
  if (dir !== undefined) {
    if (v.flamechart)
      throw new UsageError("--flamechart needs folded input in time order, not a capture directory");
    const h = await historyInput(dir, v, io);
    stacks = h.stacks;
    defaultTitle = "Thread States";
    if (v.countname === undefined) svg.countName = "avg threads";
    svg.subtitle ??= h.subtitle;
  } else if (v.diff) {
    if (positionals.length === 1)
      stacks = parseFolded(readInput(positionals[0]), inputName(positionals[0]), true);
    else if (positionals.length === 2) {
      if (positionals[0] === "-" && positionals[1] === "-")
        throw new UsageError("only one input can be stdin");
      const a = parseFolded(readInput(positionals[0]), inputName(positionals[0]));
      const b = parseFolded(readInput(positionals[1]), inputName(positionals[1]));
      stacks = diffFolded(a, b, v.normalize);
    } else throw new UsageError("--diff takes BEFORE AFTER (or one file with two counts a line)");
    if (v.normalize && positionals.length === 1) throw new UsageError("--normalize needs two inputs");
  } else {
    if (positionals.length > 1)
      throw new UsageError(`unexpected argument '${positionals[1]}' (two inputs need --diff)`);
    const file = positionals[0] ?? "-";
    if (file === "-" && process.stdin.isTTY)
      throw new UsageError("no input: give a file of folded stacks, or pipe them in (see --help)");
    stacks = readPacked(file, inputName(file));
  }
  if (dir === undefined && stacks.length === 0)
    throw new InputError(
      `${positionals.join(", ") || "stdin"}: no stacks (folded stacks: frame;frame;frame COUNT)`,
    );
  svg.title = v.title ?? defaultTitle;
  if (v.reverse)
    stacks = Array.isArray(stacks) ? reverseStacks(stacks) : reversePacked(stacks as PackedStacks);

  const output = v.output === "-" ? undefined : v.output;
  if (v.folded) {
    const recs = Array.isArray(stacks) ? stacks : unpackStacks(stacks as PackedStacks);
    writeOutput(output, io, (write) => write(formatFolded(v.flamechart ? recs : collapse(recs))));
  } else {
    const total = totalOf(stacks);
    const perSample = total > 0 ? (svg.width - 2 * XPAD) / total : 0;
    const minSamples = minwidth.percent
      ? (total * minwidth.value) / 100
      : perSample > 0
        ? minwidth.value / perSample
        : 0;
    const layout = flow(stacks, { chart: v.flamechart, minSamples });
    writeOutput(output, io, (write) => renderSvgTo(layout, svg, write));
  }
  return 0;
}

/** Text written in pieces to stdout (no FILE) or to FILE, created or truncated. */
function writeOutput(
  file: string | undefined,
  io: Io,
  produce: (write: (text: string) => void) => void,
): void {
  if (file === undefined) {
    produce((t) => io.out(t));
    return;
  }
  let fd: number | undefined;
  try {
    fd = openSync(file, "w");
    const out = fd;
    // One buffer encodes every piece (pieces are ~64 KiB): no new memory per write.
    let scratch = Buffer.allocUnsafe(1 << 18);
    produce((t) => {
      if (t.length * 3 > scratch.length) scratch = Buffer.allocUnsafe(t.length * 3);
      const n = scratch.write(t, 0, "utf8");
      for (let at = 0; at < n; ) at += writeSync(out, scratch, at, n - at);
    });
  } catch (err) {
    if (err instanceof TsnapError) throw err;
    throw new InputError("cannot write output", { cause: err });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function minWidthFlag(raw: string | undefined): { value: number; percent: boolean } {
  if (raw === undefined) return { value: 0.1, percent: false };
  const percent = raw.trim().endsWith("%");
  const text = percent ? raw.trim().slice(0, -1) : raw;
  const value = numberFlag(text, "--minwidth", { min: 0, max: percent ? 100 : 1e6, fallback: 0.1 });
  return { value, percent };
}

function isDir(path: string): boolean {
  if (path === "-") return false;
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function inputName(file: string): string {
  return file === "-" ? "stdin" : file;
}

function readInput(file: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    throw new InputError(file === "-" ? "cannot read stdin" : "cannot read input", { cause: err });
  }
}

async function historyInput(
  dir: string,
  v: FlameValues,
  io: Io,
): Promise<{ stacks: FoldedStack[]; subtitle: string }> {
  const levels = parseLevels(v.levels ?? DEFAULT_LEVELS);
  const nowUs = Date.now() * 1000;
  const { from, to } = v;
  const wheres = v.where;
  const whereText = wheres.length === 1 ? wheres[0] : wheres.map((w) => `(${w})`).join(" AND ");
  if (wheres.length) parseFilter(whereText, nowUs, nowUs);
  const h = await openHistory(dir, { from, to }, nowUs);
  try {
    for (const p of h.catalog.problems) io.err(`tsnap: ${p}\n`);
    const win = resolveWindow(h, from, to, nowUs);
    const filter = wheres.length ? parseFilter(whereText, nowUs, h.endUs) : null;
    const res = await historyStacks(h.duck, {
      levels,
      filter,
      ...win,
      keepOffsets: v.offsets,
    }).catch((err: unknown) => {
      if (err instanceof TsnapError) throw err;
      throw new InputError(`query failed: ${duckMessage(err)}`);
    });
    const where = wheres.length ? `, where ${whereText}` : "";
    const subtitle = `${formatTimestampUs(win.fromUs)} → ${formatTimestampUs(win.toUs)} (${Math.round(res.coveredSeconds * 10) / 10} s of data${where}); ${levels.map((l) => l.name).join(" → ")}; widths in avg threads`;
    if (res.stacks.length === 0) io.err("tsnap: no samples in this window\n");
    return { stacks: res.stacks, subtitle };
  } finally {
    h.close();
  }
}

export const command: Command = toolCommand(tool, help, run);
