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

test("slot deltas: the same from unaligned buffers (read byte-wise) as from aligned ones (typed views)", () => {
  const counts = [
    [0, 7, 2 ** 32 - 1, 9],
    [1, 7, 4, 9],
  ];
  const unaligned = (b: Buffer) => {
    const big = Buffer.alloc(b.length + 1);
    b.copy(big, 1);
    return big.subarray(1);
  };
  const [a, b] = counts.map(value);
  assert.equal(unaligned(a).byteOffset % 4 !== 0, true);
  const want: [number, number][] = [
    [0, 1],
    [2, 5],
  ];
  assert.deepEqual(slotDeltas(a, b, 4, 4), want);
  assert.deepEqual(slotDeltas(unaligned(a), unaligned(b), 4, 4), want);
  assert.deepEqual(slotDeltas(a, unaligned(b), 4, 4), want);
});
