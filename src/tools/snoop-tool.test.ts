// The event tools' drain pause (snoop-tool.ts:drainGapMs): short in a storm and after a
// quiet spell, long enough for a batch when records trickle, never past the maximum.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DRAIN_BATCH, DRAIN_GAP_MAX_MS, DRAIN_GAP_MS, drainGapMs } from "./snoop-tool.js";

test("drainGapMs: a wait that brought nothing (or the first drain) gives the short pause", () => {
  assert.equal(drainGapMs(0, 200), DRAIN_GAP_MS);
  assert.equal(drainGapMs(5, Number.POSITIVE_INFINITY), DRAIN_GAP_MS);
});

test("drainGapMs: a storm (thousands of records in 10 ms) keeps the short pause", () => {
  assert.equal(drainGapMs(5000, 10), DRAIN_GAP_MS);
});

test("drainGapMs: a trickle waits for a batch, at most the maximum", () => {
  // 300 records/s: DRAIN_BATCH of them take DRAIN_BATCH / 300 s.
  const gap = drainGapMs(30, 100);
  assert.ok(Math.abs(gap - (DRAIN_BATCH * 1000) / 300) < 1e-9, String(gap));
  // one record in 200 ms: a batch would take 3.2 s; the pause stops at the maximum.
  assert.equal(drainGapMs(1, 200), DRAIN_GAP_MAX_MS);
});
