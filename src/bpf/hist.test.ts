import assert from "node:assert/strict";
import { test } from "node:test";
import { slotDeltas } from "./hist.js";

/** A value buffer: 4 bytes of something else, then u32 slot counters. */
function value(counts: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * counts.length, 0xaa);
  for (const [i, c] of counts.entries()) b.writeUInt32LE(c >>> 0, 4 + 4 * i);
  return b;
}

test("slot deltas: non-zero only, from zero without a previous copy, at the given offset", () => {
  assert.deepEqual(slotDeltas(undefined, value([0, 3, 0, 1]), 4, 4), [
    [1, 3],
    [3, 1],
  ]);
  assert.deepEqual(slotDeltas(value([0, 3, 0, 1]), value([2, 3, 0, 1]), 4, 4), [[0, 2]]);
  assert.deepEqual(slotDeltas(value([5, 5]), value([5, 5]), 4, 2), []);
});

test("slot deltas: a counter that wrapped past 2^32 still gives the increment", () => {
  assert.deepEqual(slotDeltas(value([2 ** 32 - 2]), value([3]), 4, 1), [[0, 5]]);
});
