// The pure parts of cutting: timestamps of the writer's CSV read back to the µs (against
// the writer's own formatter), the first and last rounds of a CSV whose last line is torn,
// and which tables are cut by window.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { formatTimestampUs } from "../store/files.js";
import { csvTimestampUs, roundsSpanOfCsv, segmentRowsSql, TIMED } from "./segment-cut.js";

test("csv timestamps: the writer's format read back to the µs", () => {
  for (const us of [1767326400000000, 1767326400000001, 1767329999999999, 1767326461234567])
    assert.equal(csvTimestampUs(formatTimestampUs(us)), us, formatTimestampUs(us));
  assert.equal(csvTimestampUs("2026-01-02 04:00"), null);
  assert.equal(csvTimestampUs("timestamp"), null);
});

test("rounds span of an open CSV: first data line and last whole line; a torn tail is left out", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnap-cut-"));
  try {
    const path = join(dir, "rounds.csv");
    const t0 = 1767326400000000;
    const lines = Array.from(
      { length: 500 },
      (_, i) => `${formatTimestampUs(t0 + i * 1e6)},1000000,proc,3\n`,
    );
    writeFileSync(
      path,
      `timestamp,weight_us,source,threads_seen\n${lines.join("")}${formatTimestampUs(t0 + 500e6).slice(0, 12)}`,
    );
    assert.deepEqual(roundsSpanOfCsv(path), { firstUs: t0, lastUs: t0 + 499e6 });
    writeFileSync(path, "timestamp,weight_us\n");
    assert.equal(roundsSpanOfCsv(path), null, "no round yet");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("timed tables are cut by window, the others by what earlier segments took", () => {
  assert.deepEqual([...TIMED].sort(), ["lathist", "rounds", "samples"]);
  const w = { fromUs: 60e6, toUs: 120e6 };
  assert.match(
    segmentRowsSql("samples", "S", ["k.parquet"], w),
    /WHERE epoch_us\(timestamp\) >= 60000000 AND .* < 120000000$/,
  );
  assert.match(segmentRowsSql("syscend", "S", ["k.parquet"], w), /EXCEPT ALL .*'k\.parquet'/);
  assert.match(segmentRowsSql("samples", "S", ["k.parquet"], null), /EXCEPT ALL/);
  assert.equal(segmentRowsSql("kstacks", "S", [], w), "SELECT * FROM S");
});
