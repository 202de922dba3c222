// The kernel-clocked loop wakes only halfway between sampling instants.
import assert from "node:assert/strict";
import { test } from "node:test";
import { midpointAfter } from "./loop.js";

test("midpointAfter: the first point halfway between two instants at or after t", () => {
  // Instants at 1000 + k * 50.
  assert.equal(midpointAfter(1000, 1000, 50), 1025);
  assert.equal(midpointAfter(1024, 1000, 50), 1025);
  assert.equal(midpointAfter(1025, 1000, 50), 1025);
  assert.equal(midpointAfter(1026, 1000, 50), 1075);
  assert.equal(midpointAfter(1260, 1000, 50), 1275);
  // Never before the last instant's midpoint, whatever t.
  assert.equal(midpointAfter(900, 1000, 50), 1025);
  for (let t = 1000; t < 2000; t += 7) {
    const m = midpointAfter(t, 1000, 50);
    assert.ok(m >= t && m - t <= 50, `${t} -> ${m}`);
    assert.equal((m - 1000) % 50, 25);
  }
});
