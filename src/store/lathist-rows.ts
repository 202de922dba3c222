// Rows of the lathist table from latency histogram deltas (one row per non-zero bucket).
// Pure: deltas in, records out.
import { bucketBounds, type LatencyDelta, slotOfBucket } from "../model/latency-buckets.js";
import type { CellValue } from "./csv-row.js";
import { formatTimestampUs } from "./files.js";

export function lathistRecords(
  timestampUs: number,
  intervalUs: number,
  deltas: readonly LatencyDelta[],
): Record<string, CellValue>[] {
  const ts = formatTimestampUs(timestampUs);
  const out: Record<string, CellValue>[] = [];
  for (const d of deltas) {
    for (const [bucket, count] of d.buckets) {
      const { low, high } = bucketBounds(bucket);
      out.push({
        timestamp: ts,
        interval_us: Math.round(intervalUs),
        kind: d.kind,
        syscall: d.syscall,
        dev_maj: d.devMajor,
        dev_min: d.devMinor,
        tgid: d.tgid,
        comm: d.comm,
        bucket,
        slot: slotOfBucket(bucket),
        low_us: low,
        high_us: high,
        count,
      });
    }
  }
  return out;
}
