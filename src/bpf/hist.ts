// Reading in-kernel histograms (kernel/lib/hist.bpf.h fills them): a histogram is an array
// of u32 slot counters inside a map value. Counters only grow (and wrap at 2^32), so a
// reader keeps the previous copy and takes deltas mod 2^32. The slot arithmetic's TS
// mirror is model/latency-buckets.ts; the bcc printer is report/log2-hist.ts.

/**
 * Non-zero [slot, delta] pairs of the `slots` u32 counters at `off`, from `prev` (undefined:
 * from zero) to `cur`. Equal bytes are skipped with one compare.
 */
export function slotDeltas(
  prev: Buffer | undefined,
  cur: Buffer,
  off: number,
  slots: number,
): [number, number][] {
  const out: [number, number][] = [];
  const end = off + 4 * slots;
  if (prev !== undefined && prev.compare(cur, off, end, off, end) === 0) return out;
  for (let i = 0; i < slots; i++) {
    const o = off + 4 * i;
    const d = (cur.readUInt32LE(o) - (prev === undefined ? 0 : prev.readUInt32LE(o))) >>> 0;
    if (d !== 0) out.push([i, d]);
  }
  return out;
}
