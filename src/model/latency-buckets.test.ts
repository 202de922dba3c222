import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  addCounts,
  type BucketCounts,
  bucketBounds,
  bucketOfUs,
  foldToLog2,
  HIST_BUCKETS,
  HIST_SLOTS,
  HIST_SUB_BITS,
  latencyStats,
  log2SlotOf,
  slotOfBucket,
} from "./latency-buckets.js";

const HIST_H = fileURLToPath(new URL("../../../src/bpf/kernel/lib/hist.bpf.h", import.meta.url));

/** A deterministic pseudo-random sequence (xorshift32), for fixtures without Math.random. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** bcc's log2 slot by bit length (an independent computation), for v < 2^32. */
const bitSlot = (v: number) => (v < 2 ? 0 : 31 - Math.clz32(v));

test("log2 slots follow bcc: 0,1 → 0; 2,3 → 1; 4..7 → 2", () => {
  assert.deepEqual([0, 1, 2, 3, 4, 7, 8, 1023, 1024].map(log2SlotOf), [0, 0, 1, 1, 2, 2, 3, 9, 10]);
  for (let v = 0; v < 70000; v += 7) assert.equal(log2SlotOf(v), bitSlot(v), String(v));
  assert.equal(log2SlotOf(2 ** 32 - 1), 31);
});

test("the constants are the kernel header's", () => {
  const h = readFileSync(HIST_H, "utf8");
  const def = (name: string) => Number(new RegExp(`#define ${name} (\\d+)`).exec(h)?.[1]);
  assert.equal(def("HIST_SLOTS"), HIST_SLOTS);
  assert.equal(def("HIST_SUB_BITS"), HIST_SUB_BITS);
});

test("every value's bucket lies in its bcc log2 slot and holds the value", () => {
  const values = [0, 1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 32, 100, 1023, 1024, 1025, 65535, 65536, 2 ** 31 - 1];
  const r = rng(7);
  for (let i = 0; i < 5000; i++) values.push(Math.floor(2 ** (r() * 30)));
  for (const us of values) {
    const b = bucketOfUs(us);
    assert.ok(b >= 0 && b < HIST_BUCKETS, `bucket of ${us}`);
    assert.equal(slotOfBucket(b), bitSlot(us), `slot of ${us}`);
    const { low, high } = bucketBounds(b);
    assert.ok(low <= us && us <= high, `${us} in [${low}, ${high}]`);
  }
});

test("used buckets tile the integers without gaps or overlaps", () => {
  let next = 0;
  for (let b = 0; b < HIST_BUCKETS; b++) {
    if (bucketOfUs(bucketBounds(b).low) !== b) continue; // a sub-bucket a small slot does not use
    const { low, high } = bucketBounds(b);
    assert.equal(low, next, `bucket ${b} starts where the previous one ended`);
    assert.equal(bucketOfUs(high), b);
    next = high + 1;
  }
  assert.equal(next, 2 ** HIST_SLOTS);
  assert.equal(
    bucketOfUs(2 ** 40),
    HIST_BUCKETS - 1,
    "values beyond the last slot clamp into it, as bcc's do",
  );
});

test("folding into bcc slots equals binning the values the way bcc does", () => {
  const r = rng(11);
  const counts: BucketCounts = new Map();
  const bcc: number[] = [];
  for (let i = 0; i < 20000; i++) {
    const us = Math.floor(Math.exp(3 + r() * 8));
    addCounts(counts, [[bucketOfUs(us), 1]]);
    const s = bitSlot(us);
    while (bcc.length <= s) bcc.push(0);
    bcc[s]++;
  }
  assert.deepEqual(foldToLog2(counts), bcc);
});

test("percentiles from the buckets are within 4% of the exact ones", () => {
  const r = rng(3);
  const values: number[] = [];
  const counts: BucketCounts = new Map();
  for (let i = 0; i < 50000; i++) {
    // log-normal-ish: mostly ~100 µs with a long tail, like storage latency
    const us = Math.floor(100 * Math.exp((r() + r() + r() - 1.5) * 1.5));
    values.push(us);
    addCounts(counts, [[bucketOfUs(us), 1]]);
  }
  values.sort((a, b) => a - b);
  const exact = (q: number) => values[Math.ceil(q * values.length) - 1];
  const st = latencyStats(counts);
  assert.equal(st.n, values.length);
  for (const [q, got] of [
    [0.5, st.p50_us],
    [0.95, st.p95_us],
    [0.99, st.p99_us],
  ] as const) {
    const want = exact(q);
    assert.ok(Math.abs((got as number) - want) / want < 0.04, `p${q * 100}: ${got} vs exact ${want}`);
  }
  const avg = values.reduce((s, v) => s + v, 0) / values.length;
  assert.ok(Math.abs((st.avg_us as number) - avg) / avg < 0.04, `avg ${st.avg_us} vs ${avg}`);
  assert.ok((st.min_us as number) <= values[0] && (st.max_us as number) > values[values.length - 1]);
});

test("an empty histogram has no statistics", () => {
  assert.deepEqual(latencyStats(new Map()), {
    n: 0,
    min_us: null,
    avg_us: null,
    p50_us: null,
    p95_us: null,
    p99_us: null,
    max_us: null,
  });
});
