// Latency histogram buckets shared by the kernel (src/bpf/kernel/lib/hist.bpf.h), the capture
// files (table lathist) and every printer. A latency in µs (ns / 1000, rounded down, as
// bcc does) falls in bcc's log2 slot floor(log2(us)) (slot 0 holds 0 and 1; the last slot
// everything above), refined into SUBS linear sub-buckets per slot: bucket = slot * SUBS +
// sub. Every bucket lies inside one bcc slot, so folding into bcc's layout is exact, and
// each bucket is at most 1/16 of its slot wide, so percentiles are within a few %.
// Pure: no I/O.

export const HIST_SLOTS = 32;
export const HIST_SUB_BITS = 4;
export const HIST_SUBS = 1 << HIST_SUB_BITS;
export const HIST_BUCKETS = HIST_SLOTS * HIST_SUBS;

/** bcc's slot of a value: 0 for 0 and 1, else floor(log2(v)). */
export function log2SlotOf(v: number): number {
  return v < 2 ? 0 : Math.floor(Math.log2(v));
}

/** The bucket of a latency in µs (an integer ≥ 0), as the kernel computes it. */
export function bucketOfUs(us: number): number {
  const slot = log2SlotOf(us);
  if (slot >= HIST_SLOTS) return HIST_BUCKETS - 1;
  const sub =
    slot >= HIST_SUB_BITS
      ? Math.floor(us / 2 ** (slot - HIST_SUB_BITS)) % HIST_SUBS
      : us - (slot > 0 ? 2 ** slot : 0);
  return slot * HIST_SUBS + sub;
}

/** The bcc log2 slot a bucket belongs to. */
export function slotOfBucket(b: number): number {
  return b >> HIST_SUB_BITS;
}

/** Integer µs values a bucket holds: [low, high], both inclusive. */
export function bucketBounds(b: number): { low: number; high: number } {
  const slot = slotOfBucket(b);
  const sub = b & (HIST_SUBS - 1);
  if (slot >= HIST_SUB_BITS) {
    const w = 2 ** (slot - HIST_SUB_BITS);
    return { low: (HIST_SUBS + sub) * w, high: (HIST_SUBS + sub + 1) * w - 1 };
  }
  const low = (slot > 0 ? 2 ** slot : 0) + sub;
  return { low, high: low };
}

/** Sparse counts: bucket index → count. */
export type BucketCounts = Map<number, number>;

/** Adds `from` into `into` (histograms over a window are sums of deltas). */
export function addCounts(into: BucketCounts, from: Iterable<readonly [number, number]>): BucketCounts {
  for (const [b, n] of from) into.set(b, (into.get(b) ?? 0) + n);
  return into;
}

/** bcc's log2 slots (index = slot) from fine buckets: exact, every bucket is in one slot. */
export function foldToLog2(counts: BucketCounts): number[] {
  const out: number[] = [];
  for (const [b, n] of counts) {
    const s = slotOfBucket(b);
    while (out.length <= s) out.push(0);
    out[s] += n;
  }
  return out;
}

export interface LatencyStats {
  n: number;
  min_us: number | null;
  avg_us: number | null;
  p50_us: number | null;
  p95_us: number | null;
  p99_us: number | null;
  max_us: number | null;
}

/**
 * Count, quantiles (linear within a bucket: a bucket of integer µs [low, high] stands for
 * latencies in [low, high + 1)), average (bucket midpoints) and the bounds of the lowest
 * and highest non-empty buckets.
 */
export function latencyStats(counts: BucketCounts): LatencyStats {
  const items = [...counts].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const n = items.reduce((s, [, c]) => s + c, 0);
  if (n === 0)
    return { n: 0, min_us: null, avg_us: null, p50_us: null, p95_us: null, p99_us: null, max_us: null };
  let sum = 0;
  for (const [b, c] of items) {
    const { low, high } = bucketBounds(b);
    sum += (c * (low + high + 1)) / 2;
  }
  const q = (p: number) => {
    const rank = p * n;
    let cum = 0;
    for (const [b, c] of items) {
      if (cum + c >= rank) {
        const { low, high } = bucketBounds(b);
        return low + ((rank - cum) / c) * (high + 1 - low);
      }
      cum += c;
    }
    return bucketBounds(items[items.length - 1][0]).high + 1;
  };
  return {
    n,
    min_us: bucketBounds(items[0][0]).low,
    avg_us: sum / n,
    p50_us: q(0.5),
    p95_us: q(0.95),
    p99_us: q(0.99),
    max_us: bucketBounds(items[items.length - 1][0]).high + 1,
  };
}

/** sc: syscalls; io: block I/O issue → complete; ioq: insert → complete; rq: run queue. */
export type LatKind = "sc" | "io" | "ioq" | "rq";
export const LAT_KINDS: readonly LatKind[] = ["sc", "io", "ioq", "rq"];

/** Non-zero bucket deltas of one histogram. */
export interface LatencyDelta {
  kind: LatKind;
  /** sc: syscall name */
  syscall: string | null;
  /** io, ioq: device */
  devMajor: number | null;
  devMinor: number | null;
  /** rq: process and its name */
  tgid: number | null;
  comm: string | null;
  /** [bucket, count] pairs, count > 0 */
  buckets: [number, number][];
}

/** Latency columns `<kind>_n, _min_us, ... _max_us` of one histogram. */
export function statColumns(kind: LatKind, counts: BucketCounts | undefined): Record<string, number | null> {
  const st: LatencyStats = latencyStats(counts ?? new Map());
  return {
    [`${kind}_n`]: st.n,
    [`${kind}_min_us`]: st.min_us,
    [`${kind}_avg_us`]: st.avg_us,
    [`${kind}_p50_us`]: st.p50_us,
    [`${kind}_p95_us`]: st.p95_us,
    [`${kind}_p99_us`]: st.p99_us,
    [`${kind}_max_us`]: st.max_us,
  };
}
