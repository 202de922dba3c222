// The pure parts of cutting and the byte work of snapshots (csv-snapshot.ts): timestamps of the writer's CSV read back to the µs (against
// the writer's own formatter), the first and last rounds of a CSV whose last line is torn,
// and which tables are cut by window.
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { PartitionFile } from "../store/files.js";
import { formatTimestampUs } from "../store/files.js";
import { csvTimestampUs, nextMarks, roundsSpanOfCsv, snapshotCsv } from "./csv-snapshot.js";
import { segmentRowsSql, TIMED } from "./segment-cut.js";

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

test("incremental snapshots: a window's marks are its end's first line (timed) and the copy's end (others); the next copy is the header and the bytes from there", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnap-cut-"));
  try {
    const t0 = 1767326400000000;
    const head = { samples: "timestamp,weight_us,tid\n", syscend: "type,tid\n" };
    // 3,000 samples a second of rounds, 5 s: the bisection crosses many 64 KiB reads.
    const samples = (from: number, to: number) =>
      Array.from({ length: (to - from) * 3000 }, (_, i) => {
        const s = from + Math.floor(i / 3000);
        return `${formatTimestampUs(t0 + s * 1e6)},1000000,${1000 + (i % 3000)}\n`;
      }).join("");
    const ends = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => `end,${from + i}\n`).join("");
    const files: PartitionFile[] = [
      { name: "s.csv", table: "samples" } as PartitionFile,
      { name: "e.csv", table: "syscend" } as PartitionFile,
    ];
    writeFileSync(join(dir, "s.csv"), head.samples + samples(0, 5));
    writeFileSync(join(dir, "e.csv"), `${head.syscend}${ends(0, 40)}end,4`); // a torn last line
    const first = snapshotCsv(dir, files, join(dir, "snap"));
    assert.equal(first.partial.size, 0, "no marks: whole copies");
    const toUs = t0 + 3e6;
    const marks = nextMarks(first, toUs);
    // Independently: the byte offset of the first line of second 3, and the end of the whole lines.
    const wantS = Buffer.byteLength(head.samples + samples(0, 3));
    assert.equal(marks.get("samples")?.from, wantS);
    const wantE = Buffer.byteLength(head.syscend + ends(0, 40));
    assert.equal(marks.get("syscend")?.from, wantE);
    assert.equal(marks.get("samples")?.ino, statSync(join(dir, "s.csv")).ino);

    appendFileSync(join(dir, "s.csv"), samples(5, 7));
    appendFileSync(join(dir, "e.csv"), `0\n${ends(41, 45)}`);
    const next = snapshotCsv(dir, files, join(dir, "snap"), marks);
    assert.deepEqual([...next.partial].sort(), ["samples", "syscend"]);
    assert.equal(
      readFileSync(join(dir, "snap", "samples.csv"), "utf8"),
      head.samples + samples(3, 7),
      "samples from second 3 on",
    );
    assert.equal(
      readFileSync(join(dir, "snap", "syscend.csv"), "utf8"),
      `${head.syscend}end,40\n${ends(41, 45)}`,
      "syscend: the rows written since",
    );
    assert.equal(next.bytes, Buffer.byteLength(`${samples(3, 7)}end,40\n${ends(41, 45)}`));
    // Marks of a partial copy are offsets in the file, not in the copy.
    const again = nextMarks(next, t0 + 6e6);
    assert.equal(again.get("samples")?.from, Buffer.byteLength(head.samples + samples(0, 6)));
    assert.equal(again.get("syscend")?.from, statSync(join(dir, "e.csv")).size);

    // Another file under the same name (its inode number may be the old one's): copied whole.
    rmSync(join(dir, "s.csv"));
    writeFileSync(join(dir, "s.csv"), head.samples + samples(1, 8));
    const fresh = snapshotCsv(dir, files, join(dir, "snap"), again);
    assert.ok(!fresh.partial.has("samples") && fresh.partial.has("syscend"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
