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

test("drainGapMs: a trickle waits for a batch, the pause at most doubling, never past the maximum", () => {
  // 300 records/s: DRAIN_BATCH of them take DRAIN_BATCH / 300 s.
  const gap = drainGapMs(30, 100, DRAIN_GAP_MAX_MS);
  assert.ok(Math.abs(gap - (DRAIN_BATCH * 1000) / 300) < 1e-9, String(gap));
  // one record after 200 quiet ms (a trickle, or a storm's first): twice the last pause.
  assert.equal(drainGapMs(1, 200, DRAIN_GAP_MS), 2 * DRAIN_GAP_MS);
  let g = DRAIN_GAP_MS;
  for (let i = 0; i < 10; i++) g = drainGapMs(1, 200, g);
  assert.equal(g, DRAIN_GAP_MAX_MS);
});
