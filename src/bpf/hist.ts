// Reading in-kernel histograms (kernel/lib/hist.bpf.h fills them): a histogram is an array
// of u32 slot counters inside a map value. Counters only grow (and wrap at 2^32), so a
// reader keeps the previous copy and takes deltas mod 2^32. The slot arithmetic's TS
// mirror is model/latency-buckets.ts; the bcc printer is report/log2-hist.ts.

/** The u32 counters of b as a Uint32Array (no copy), or null when b is not 4-byte aligned. */
function u32View(b: Buffer): Uint32Array | null {
  if (!LITTLE_ENDIAN || b.byteOffset % 4 !== 0) return null;
  return new Uint32Array(b.buffer, b.byteOffset, b.byteLength >>> 2);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Non-zero [slot, delta] pairs of the `slots` u32 counters at `off`, from `prev` (undefined:
 * from zero) to `cur`. Equal bytes are skipped with one compare; the rest is read through
 * typed-array views when aligned (capture diffs hundreds of 512-slot histograms a second).
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
  const c = u32View(cur);
  const p = prev === undefined ? undefined : u32View(prev);
  if (c !== null && p !== null && off % 4 === 0) {
    const base = off >>> 2;
    for (let i = 0; i < slots; i++) {
      const d = (c[base + i] - (p === undefined ? 0 : p[base + i])) >>> 0;
      if (d !== 0) out.push([i, d]);
    }
    return out;
  }
  for (let i = 0; i < slots; i++) {
    const o = off + 4 * i;
    const d = (cur.readUInt32LE(o) - (prev === undefined ? 0 : prev.readUInt32LE(o))) >>> 0;
    if (d !== 0) out.push([i, d]);
  }
  return out;
}
