// The top tools' shared parts (top-tool.ts) on constructed inputs: the differences between
// two reads of a map of cumulative counters (what is shown, what leaves the map), the
// order and row limit, and the [interval] [count] positionals of both kinds.
import assert from "node:assert/strict";
import { test } from "node:test";
import { counterTaker, mostFirst, topRows, topText, topTimes } from "./top-tool.js";

interface Row {
  id: number;
  n: number;
  bytes: number;
}
const decode = (k: Buffer, v: Buffer): Row => ({
  id: k.readUInt32LE(0),
  n: v.readUInt32LE(0),
  bytes: v.readUInt32LE(4),
});
const entry = (id: number, n: number, bytes: number): [Buffer, Buffer] => {
  const k = Buffer.alloc(4);
  k.writeUInt32LE(id);
  const v = Buffer.alloc(8);
  v.writeUInt32LE(n, 0);
  v.writeUInt32LE(bytes, 4);
  return [k, v];
};

test("counterTaker: each take is what moved since the last; a key idle a whole interval leaves the map", () => {
  // A map of three keys, as the kernel would hold it; `remove` deletes as mapDelete does.
  const map = new Map<number, [Buffer, Buffer]>();
  const set = (id: number, n: number, bytes: number) => map.set(id, entry(id, n, bytes));
  const take = counterTaker(
    () => [...map.values()],
    (k) => map.delete(k.readUInt32LE(0)),
    decode,
    ["n", "bytes"],
  );
  set(1, 2, 200);
  set(2, 1, 10);
  assert.deepEqual(take(), [
    { id: 1, n: 2, bytes: 200 },
    { id: 2, n: 1, bytes: 10 },
  ]);
  set(1, 5, 500); // moved by 3 and 300
  set(3, 0, 0); // new, nothing yet: not shown, not removed (it has no previous read)
  assert.deepEqual(take(), [{ id: 1, n: 3, bytes: 300 }]);
  // 2 moved nothing for a whole interval: it left the map; 3 is still there.
  assert.deepEqual([...map.keys()].sort(), [1, 3]);
  set(3, 4, 40);
  assert.deepEqual(take(), [{ id: 3, n: 4, bytes: 40 }]);
  // 1 idle now: removed; a later count under its key starts again from 0.
  assert.deepEqual([...map.keys()].sort(), [3]);
  set(1, 1, 7);
  assert.deepEqual(take(), [{ id: 1, n: 1, bytes: 7 }]);
});

test("topRows and mostFirst: most first by the key, at most the limit", () => {
  const rows = [
    { id: 1, n: 1, bytes: 9 },
    { id: 2, n: 5, bytes: 1 },
    { id: 3, n: 3, bytes: 3 },
  ];
  assert.deepEqual(
    topRows(
      rows,
      mostFirst((r) => r.n),
      2,
    ).map((r) => r.id),
    [2, 3],
  );
  assert.deepEqual(
    topRows(
      rows,
      mostFirst((r) => r.bytes),
      9,
    ).map((r) => r.id),
    [1, 3, 2],
  );
  assert.equal(rows[0]?.id, 1, "the input is not reordered");
});

test("topText: the time and loadavg line (its newline kept), the table, a blank line", () => {
  const at = new Date(2026, 0, 1, 9, 5, 7);
  assert.equal(topText("0.1 0.2 0.3 1/2 3\n", at, "T\n"), "09:05:07 loadavg: 0.1 0.2 0.3 1/2 3\n\nT\n\n");
  assert.equal(topText(null, at, "T\n"), "T\n\n");
});

test("topTimes: 1 s until Ctrl-C by default; decimals unless whole seconds are asked for", () => {
  assert.deepEqual(topTimes([]), { intervalS: 1, count: Number.POSITIVE_INFINITY });
  assert.deepEqual(topTimes(["0.5", "3"]), { intervalS: 0.5, count: 3 });
  assert.deepEqual(topTimes(["2"], true), { intervalS: 2, count: Number.POSITIVE_INFINITY });
  assert.throws(() => topTimes(["0.5"], true), /interval must be a whole number of at least 1, got '0.5'/);
  assert.throws(() => topTimes(["1", "2", "3"], true), /unexpected argument '3'/);
});
