// Stacktiles (after 0x.tools xcapture's): the top stacks of a window side by side, one
// column per stack, leaf frame first, as many columns as fit the terminal; each headed by
// its rank, avg threads and share of the sampled threads. Pure: stacks in, text out.

export interface StackTile {
  /** Frames, leaf first. */
  frames: string[];
  avgThreads: number;
}

export interface TileOptions {
  /** Heading line above the tiles. */
  title: string;
  /** Line width to fill (the terminal's, or 120 when not a terminal). */
  width: number;
  /** Sum of avg threads over all the window's stacks: the share's denominator. */
  totalAvg: number;
  /** Narrowest column worth drawing. */
  minColumn?: number;
  /** At most this many frames per column (the rest: "(+N more)"). */
  maxFrames?: number;
}

const GAP = "  ";

/** A name cut to `w` characters with ".." at the end (kept whole when it fits). */
function fit(s: string, w: number): string {
  if (s.length <= w) return s.padEnd(w);
  return w <= 2 ? s.slice(0, w) : `${s.slice(0, w - 2)}..`;
}

/** The tiles that fit `width`, in the order given (the caller ranks them). */
export function renderStackTiles(tiles: readonly StackTile[], o: TileOptions): string {
  if (tiles.length === 0) return `${o.title}\n(no stacks in this window)\n`;
  const minColumn = o.minColumn ?? 28;
  const maxFrames = o.maxFrames ?? 30;
  const width = Math.max(minColumn, o.width);
  const n = Math.max(1, Math.min(tiles.length, Math.floor((width + GAP.length) / (minColumn + GAP.length))));
  const colW = Math.floor((width + GAP.length) / n) - GAP.length;
  const shown = tiles.slice(0, n);
  const columns = shown.map((t, i) => {
    const share = o.totalAvg > 0 ? (100 * t.avgThreads) / o.totalAvg : 0;
    const frames = t.frames.length > maxFrames ? t.frames.slice(0, maxFrames - 1) : t.frames;
    const more = t.frames.length - frames.length;
    return [
      `#${i + 1} ${t.avgThreads.toFixed(2)} thr ${share.toFixed(0)}%`,
      "-".repeat(colW),
      ...(frames.length ? frames : ["(no frames)"]),
      ...(more > 0 ? [`(+${more} more)`] : []),
    ].map((s) => fit(s, colW));
  });
  const height = Math.max(...columns.map((c) => c.length));
  const lines = [o.title];
  for (let r = 0; r < height; r++)
    lines.push(
      columns
        .map((c) => c[r] ?? " ".repeat(colW))
        .join(GAP)
        .trimEnd(),
    );
  if (tiles.length > n) lines.push(`(${tiles.length - n} more stacks: a wider terminal shows more)`);
  return `${lines.join("\n")}\n`;
}
