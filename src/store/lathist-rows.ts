// Rows of the lathist table from latency histogram deltas (one row per non-zero bucket),
// as CSV bytes in the schema's column order. Pure: deltas in, bytes out. This is capture's
// busiest writer (a loaded machine has 1,000-2,000 non-zero syscall buckets a second and
// a few thousand run-queue ones every 5 s), so rows are written straight into one reused
// buffer: a row is two pre-encoded byte runs and a count (the interval's and histogram's
// columns, then the bucket's: bucket, slot, low_us, high_us), no string per row.
import { bucketBounds, HIST_BUCKETS, type LatencyDelta, slotOfBucket } from "../model/latency-buckets.js";
import { csvField } from "./csv-row.js";
import { formatTimestampUs } from "./files.js";
import { TABLES } from "./schema.js";

/** The columns this encoder writes, in order (checked against the schema at load). */
const COLUMNS = [
  "timestamp",
  "interval_us",
  "kind",
  "syscall",
  "dev_maj",
  "dev_min",
  "tgid",
  "comm",
  "bucket",
  "slot",
  "low_us",
  "high_us",
  "count",
];
if (TABLES.lathist.columns.map((c) => c.name).join() !== COLUMNS.join())
  throw new Error("lathist-rows: the encoder's columns differ from schema.ts");

/** `bucket,slot,low_us,high_us,` of every bucket. */
const BUCKET_CELLS = Array.from({ length: HIST_BUCKETS }, (_, b) => {
  const { low, high } = bucketBounds(b);
  return `${b},${slotOfBucket(b)},${low},${high},`;
});

const BUCKET_BYTES = BUCKET_CELLS.map((c) => Buffer.from(c, "latin1"));

const cell = (v: number | null) => (v === null ? "" : String(v));

/** The output buffer, reused from call to call (grown when a call needs more). */
let out = Buffer.allocUnsafe(1 << 16);

function room(used: number, more: number): void {
  if (used + more <= out.length) return;
  const bigger = Buffer.allocUnsafe(Math.max(2 * out.length, used + more));
  out.copy(bigger, 0, 0, used);
  out = bigger;
}

/** Decimal digits of a non-negative integer < 2^53 at `pos`; returns the end. */
function writeUint(buf: Buffer, pos: number, v: number): number {
  let digits = 1;
  for (let p = 10; p <= v; p *= 10) digits++;
  for (let i = pos + digits - 1; i >= pos; i--) {
    buf[i] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
  return pos + digits;
}

/**
 * lathist CSV lines (each with its newline) of the deltas over the interval ending at
 * timestampUs, as bytes: a view of a buffer the next call overwrites (write it first).
 */
export function lathistBytes(
  timestampUs: number,
  intervalUs: number,
  deltas: readonly LatencyDelta[],
): Buffer {
  const head = `${formatTimestampUs(timestampUs)},${Math.round(intervalUs)},`;
  let n = 0;
  for (const d of deltas) {
    if (d.buckets.length === 0) continue;
    const prefix = Buffer.from(
      `${head}${d.kind},${csvField(d.syscall)},${cell(d.devMajor)},${cell(d.devMinor)},${cell(d.tgid)},${csvField(d.comm)},`,
    );
    for (const [bucket, count] of d.buckets) {
      const c = BUCKET_BYTES[bucket];
      room(n, prefix.length + c.length + 22);
      n += prefix.copy(out, n);
      n += c.copy(out, n);
      n = writeUint(out, n, count);
      out[n++] = 10;
    }
  }
  return out.subarray(0, n);
}

/** lathistBytes as text. */
export function lathistCsv(timestampUs: number, intervalUs: number, deltas: readonly LatencyDelta[]): string {
  return lathistBytes(timestampUs, intervalUs, deltas).toString("utf8");
}

/** Rows the text of lathistCsv holds. */
export function lathistRowCount(deltas: readonly LatencyDelta[]): number {
  let n = 0;
  for (const d of deltas) n += d.buckets.length;
  return n;
}
