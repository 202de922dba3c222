// lathist rows read back by DuckDB with the schema's strict reader (the one conversion
// uses): every field where the schema says, bucket bounds as the kernel buckets (the
// bucketOfUs mirror of hist.bpf.h), awkward process names quoted.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { bucketOfUs, type LatencyDelta } from "../model/latency-buckets.js";
import { Duck } from "../query/duck.js";
import { tsnapCsvReader } from "./convert.js";
import { csvHeader } from "./csv-row.js";
import { lathistCsv, lathistRowCount } from "./lathist-rows.js";

const none = { syscall: null, devMajor: null, devMinor: null, tgid: null, comm: null };
const deltas: LatencyDelta[] = [
  {
    ...none,
    kind: "sc",
    syscall: "pread64",
    buckets: [
      [0, 3],
      [bucketOfUs(100), 7],
      [511, 1],
    ],
  },
  { ...none, kind: "io", devMajor: 259, devMinor: 0, buckets: [[bucketOfUs(5000), 2]] },
  { ...none, kind: "rq", tgid: 4242, comm: 'a,"b" ', buckets: [[bucketOfUs(33), 4_000_000_000]] },
  { ...none, kind: "rq", tgid: 7, comm: "", buckets: [] },
];

test("lathist CSV: DuckDB reads every row and field back; bounds are the kernel's buckets", async () => {
  const text = lathistCsv(Date.UTC(2026, 11, 2, 3, 4, 5, 678) * 1000 + 9, 1_000_400.6, deltas);
  assert.equal(lathistRowCount(deltas), 5);
  const dir = mkdtempSync(join(tmpdir(), "tsnap-lathist-"));
  const duck = await Duck.open();
  try {
    const path = join(dir, "tsnap_lathist_2026-12-02.03.csv");
    writeFileSync(path, csvHeader("lathist") + text);
    const rows = await duck.all(
      `SELECT strftime(timestamp, '%Y-%m-%d %H:%M:%S.%f') AS ts, * EXCLUDE (timestamp) FROM ${tsnapCsvReader([path], "lathist")}`,
    );
    assert.equal(rows.length, 5);
    for (const r of rows) {
      assert.equal(r.ts, "2026-12-02 03:04:05.678009");
      assert.equal(r.interval_us, 1_000_401);
      const b = r.bucket as number;
      assert.equal(r.slot, b >> 4);
      // low and high are in the bucket, their neighbours are not (the last bucket is open).
      assert.equal(bucketOfUs(r.low_us as number), b);
      assert.equal(bucketOfUs(r.high_us as number), b);
      if (b > 0) assert.notEqual(bucketOfUs((r.low_us as number) - 1), b);
      if (b < 511) assert.notEqual(bucketOfUs((r.high_us as number) + 1), b);
    }
    const pick = (r: Record<string, unknown>) => [
      r.kind,
      r.syscall,
      r.dev_maj,
      r.dev_min,
      r.tgid,
      r.comm,
      r.bucket,
      r.count,
    ];
    assert.deepEqual(rows.map(pick), [
      ["sc", "pread64", null, null, null, null, 0, 3],
      ["sc", "pread64", null, null, null, null, bucketOfUs(100), 7],
      ["sc", "pread64", null, null, null, null, 511, 1],
      ["io", null, 259, 0, null, null, bucketOfUs(5000), 2],
      ["rq", null, null, null, 4242, 'a,"b" ', bucketOfUs(33), 4_000_000_000],
    ]);
  } finally {
    duck.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("lathist bytes: a call larger than the reused buffer grows it and keeps every row", () => {
  const many: LatencyDelta[] = Array.from({ length: 300 }, (_, i) => ({
    ...none,
    kind: "rq",
    tgid: i,
    comm: `p${i}`,
    buckets: Array.from({ length: 512 }, (_, b): [number, number] => [b, i * 1000 + b]),
  }));
  const lines = lathistCsv(0, 1e6, many).split("\n");
  assert.equal(lines.pop(), "");
  assert.equal(lines.length, lathistRowCount(many));
  assert.equal(lines.length, 300 * 512);
  for (const i of [0, 1, 299])
    for (const b of [0, 9, 511]) {
      const f = lines[i * 512 + b].split(",");
      assert.deepEqual([f[6], f[7], f[8], f[12]], [String(i), `p${i}`, String(b), String(i * 1000 + b)]);
    }
});
