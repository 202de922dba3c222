// Rows of the lathist table from latency histogram deltas (one row per non-zero bucket),
// as CSV text in the schema's column order. Pure: deltas in, text out. This is capture's
// busiest writer (a loaded machine has 1,000-2,000 non-zero syscall buckets a second and
// a few thousand run-queue ones every 5 s), so a row is two cached strings and a count:
// the interval's and histogram's columns, then the bucket's (bucket, slot, low_us, high_us).
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

const cell = (v: number | null) => (v === null ? "" : String(v));

/** lathist CSV lines (each with its newline) of the deltas over the interval ending at timestampUs. */
export function lathistCsv(timestampUs: number, intervalUs: number, deltas: readonly LatencyDelta[]): string {
  const head = `${formatTimestampUs(timestampUs)},${Math.round(intervalUs)},`;
  let out = "";
  for (const d of deltas) {
    const prefix = `${head}${d.kind},${csvField(d.syscall)},${cell(d.devMajor)},${cell(d.devMinor)},${cell(d.tgid)},${csvField(d.comm)},`;
    for (const [bucket, count] of d.buckets) out += `${prefix}${BUCKET_CELLS[bucket]}${count}\n`;
  }
  return out;
}

/** Rows the text of lathistCsv holds. */
export function lathistRowCount(deltas: readonly LatencyDelta[]): number {
  let n = 0;
  for (const d of deltas) n += d.buckets.length;
  return n;
}
