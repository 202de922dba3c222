import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parseSchedstat, processInterval, type SchedStat, threadPct } from "./schedstat.js";

const S = (cpuNs: number, waitNs: number, slices = 0): SchedStat => ({ cpuNs, waitNs, slices });
const SEC = 1e9;

/** Compares percentages to 1e-9 (floating-point division). */
function near(actual: number, expected: number, what: string) {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);
}

test("parseSchedstat: three numbers, large values exact up to 2^53", () => {
  assert.deepEqual(parseSchedstat("187760736 7710028 375\n"), S(187760736, 7710028, 375));
  assert.deepEqual(parseSchedstat("0 0 1"), S(0, 0, 1));
  assert.deepEqual(parseSchedstat("9007199254740991 1 2\n"), S(2 ** 53 - 1, 1, 2));
  assert.throws(() => parseSchedstat(""), /bad schedstat/);
  assert.throws(() => parseSchedstat("1 2"), /bad schedstat '1 2'/);
  assert.throws(() => parseSchedstat("1 -2 3"), /bad schedstat/);
});

test("parseSchedstat reads this process's real file", () => {
  const s = parseSchedstat(readFileSync("/proc/self/schedstat", "utf8"));
  assert.ok(s.slices >= 1);
  assert.ok(Number.isSafeInteger(s.cpuNs));
});

test("threadPct: 250 ms on CPU and 100 ms waiting in 1 s is 25/10/65", () => {
  const p = threadPct(S(1_000_000_000, 5_000), S(1_250_000_000, 100_005_000), SEC);
  near(p.cpu, 25, "cpu");
  near(p.lat, 10, "lat");
  near(p.slp, 65, "slp");
  // Over a 2 s interval the same deltas are half the percentage.
  near(threadPct(S(0, 0), S(250e6, 100e6), 2 * SEC).cpu, 12.5, "cpu over 2 s");
});

test("threadPct: tick granularity can push CPU + LAT past 100; SLP stays at 0", () => {
  const p = threadPct(S(0, 0), S(0.98 * SEC, 0.04 * SEC), SEC);
  near(p.cpu, 98, "cpu");
  near(p.lat, 4, "lat");
  assert.equal(p.slp, 0);
  assert.throws(() => threadPct(S(0, 0), S(1, 1), 0), /interval must be positive/);
});

test("processInterval: sums over threads like top; CPU+LAT+SLP = 100 x threads", () => {
  // Four threads on two CPUs over 1 s: two ran the whole time... in slices, so each thread
  // ran 500 ms and waited 500 ms; a fifth thread slept.
  const prev = new Map([
    [10, S(0, 0)],
    [11, S(7, 7)],
    [12, S(0, 0)],
    [13, S(0, 0)],
    [14, S(1000, 0)],
  ]);
  const cur = new Map([
    [10, S(0.5 * SEC, 0.5 * SEC)],
    [11, S(0.5 * SEC + 7, 0.5 * SEC + 7)],
    [12, S(0.5 * SEC, 0.5 * SEC)],
    [13, S(0.5 * SEC, 0.5 * SEC)],
    [14, S(1000, 0)],
  ]);
  const r = processInterval(prev, cur, SEC);
  near(r.total.cpu, 200, "cpu");
  near(r.total.lat, 200, "lat");
  near(r.total.slp, 100, "slp");
  assert.equal(r.threads, 5);
  near(r.total.cpu + r.total.lat + r.total.slp, 100 * r.threads, "sum");
  assert.deepEqual(
    r.perThread.map((t) => t.tid),
    [10, 11, 12, 13, 14],
  );
  assert.equal(r.started, 0);
  assert.equal(r.vanished, 0);
});

test("processInterval: vanished threads are skipped, new ones count CPU and LAT only", () => {
  const prev = new Map([
    [20, S(0, 0)],
    [21, S(5 * SEC, 0)], // exits during the interval
  ]);
  const cur = new Map([
    [20, S(0.1 * SEC, 0)],
    [22, S(0.3 * SEC, 0.2 * SEC)], // started during the interval
  ]);
  const r = processInterval(prev, cur, SEC);
  assert.equal(r.vanished, 1);
  assert.equal(r.started, 1);
  assert.equal(r.threads, 1);
  near(r.total.cpu, 10 + 30, "cpu");
  near(r.total.lat, 20, "lat");
  near(r.total.slp, 90, "slp: only the old thread's");
  const t22 = r.perThread.find((t) => t.tid === 22);
  assert.equal(t22?.isNew, true);
  assert.equal(t22?.slp, 0);
});

test("processInterval: a reused tid (counters went backwards) is a new thread", () => {
  const prev = new Map([[30, S(9 * SEC, 2 * SEC)]]);
  const cur = new Map([[30, S(0.2 * SEC, 0)]]);
  const r = processInterval(prev, cur, SEC);
  assert.equal(r.started, 1);
  assert.equal(r.threads, 0);
  near(r.total.cpu, 20, "cpu from the new thread's whole counter");
  assert.ok(r.total.lat >= 0);
});
