// A latency × time heatmap as a grid, for both views (the web page draws it as SVG
// rectangles, the terminal as shade characters): every time bucket of the window is a
// column, every log2 slot between the lowest and highest seen is a row (bcc's slots:
// slot i covers [2^i, 2^(i+1)-1] µs, slot 0 is 0-1 µs), a cell is the completions counted
// in that bucket and slot. Shades are on a log scale (a few slow calls stay visible next to
// millions of fast ones). Pure; no imports outside ui-model/.

/** Completions of one log2 slot in one time bucket (bucket start, µs). */
export interface HeatCell {
  t: number;
  slot: number;
  n: number;
}

export interface HeatGrid {
  bucketUs: number;
  /** Bucket starts (µs), oldest first: every bucket of the window, empty ones too. */
  times: number[];
  /** Slots shown, lowest first (empty when nothing was counted). */
  slots: number[];
  /** counts[row][col]: row = index in `slots`, col = index in `times`. */
  counts: number[][];
  max: number;
  total: number;
}

/** Columns a window is cut into at most (a wider one gets wider buckets from the caller). */
export const MAX_HEAT_COLUMNS = 2000;

export function heatGrid(
  cells: readonly HeatCell[],
  window: { fromUs: number; toUs: number },
  bucketUs: number,
): HeatGrid {
  const first = Math.floor(window.fromUs / bucketUs) * bucketUs;
  const ncols = Math.min(MAX_HEAT_COLUMNS, Math.max(1, Math.ceil((window.toUs - first) / bucketUs)));
  const times = Array.from({ length: ncols }, (_, i) => first + i * bucketUs);
  const seen = cells.filter((c) => c.n > 0);
  if (seen.length === 0) return { bucketUs, times, slots: [], counts: [], max: 0, total: 0 };
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const c of seen) {
    lo = Math.min(lo, c.slot);
    hi = Math.max(hi, c.slot);
  }
  const slots = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  const counts = slots.map(() => new Array<number>(ncols).fill(0));
  let max = 0;
  let total = 0;
  for (const c of seen) {
    const col = Math.floor((c.t - first) / bucketUs);
    if (col < 0 || col >= ncols) continue;
    const row = counts[c.slot - lo];
    row[col] += c.n;
    max = Math.max(max, row[col]);
    total += c.n;
  }
  return { bucketUs, times, slots, counts, max, total };
}

/** A count's shade, 0 (none) to `levels` (the grid's max), on a log scale. */
export function heatLevel(n: number, max: number, levels: number): number {
  if (n <= 0 || max <= 0) return 0;
  if (max === 1) return levels;
  return Math.max(1, Math.ceil((Math.log(n + 1) / Math.log(max + 1)) * levels));
}

/** A slot's lower bound as short text: 0, 2µs ... 512µs, 1ms ... 524ms, 1s ... */
export function slotLabel(slot: number): string {
  if (slot <= 0) return "0";
  const us = 2 ** slot;
  if (us < 1000) return `${us}µs`;
  if (us < 1e6) return `${Math.floor(us / 1000)}ms`;
  return `${Math.floor(us / 1e6)}s`;
}

/** A slot's range as bcc prints it: "65536 -> 131071" (µs). */
export function slotRange(slot: number): string {
  return `${slot === 0 ? 0 : 2 ** slot} -> ${2 ** (slot + 1) - 1}`;
}
