// The heatmap grid of both views on constructed cells: every bucket of the window is a
// column (empty ones too), rows span the lowest to the highest slot seen, cells in the
// same bucket and slot add up, cells outside the window are left out; shades grow with
// the count and the largest is the darkest.
import assert from "node:assert/strict";
import { test } from "node:test";
import { heatGrid, heatLevel, slotLabel, slotRange } from "./heat-grid.js";

test("heatGrid: a column per bucket of the window, a row per slot from lowest to highest, sums per cell", () => {
  const s = 1e6;
  const g = heatGrid(
    [
      { t: 10 * s, slot: 4, n: 3 },
      { t: 10 * s, slot: 4, n: 2 },
      { t: 30 * s, slot: 7, n: 1 },
      { t: 50 * s, slot: 5, n: 9 }, // outside [10 s, 40 s)
      { t: 20 * s, slot: 9, n: 0 }, // nothing counted: no row for it
    ],
    { fromUs: 12 * s, toUs: 40 * s },
    10 * s,
  );
  assert.deepEqual(g.times, [10 * s, 20 * s, 30 * s]);
  assert.deepEqual(g.slots, [4, 5, 6, 7]);
  assert.deepEqual(g.counts, [
    [5, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 1],
  ]);
  assert.equal(g.max, 5);
  assert.equal(g.total, 6);
  const empty = heatGrid([], { fromUs: 0, toUs: 25 * s }, 10 * s);
  assert.deepEqual([empty.times.length, empty.slots, empty.total], [3, [], 0]);
});

test("heatLevel: 0 for nothing, 1 for the least, the top level for the max, never decreasing", () => {
  assert.equal(heatLevel(0, 100, 4), 0);
  assert.equal(heatLevel(1, 1, 4), 4);
  assert.equal(heatLevel(100, 100, 4), 4);
  assert.ok(heatLevel(1, 1e6, 4) >= 1);
  let last = 0;
  for (let n = 1; n <= 1000; n++) {
    const l = heatLevel(n, 1000, 8);
    assert.ok(l >= last && l <= 8);
    last = l;
  }
});

test("slot labels: bcc's ranges and short lower bounds", () => {
  assert.equal(slotRange(0), "0 -> 1");
  assert.equal(slotRange(16), "65536 -> 131071");
  assert.deepEqual([0, 3, 10, 16, 20].map(slotLabel), ["0", "8µs", "1ms", "65ms", "1s"]);
});
