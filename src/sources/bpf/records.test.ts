import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { HEADER_PATH } from "./gen-header.js";
import { cHeader, cString, ditherTick, layout, TASK_REC } from "./records.js";

test("the C header is the one generated from records.ts", () => {
  const onDisk = readFileSync(HEADER_PATH, "utf8");
  assert.equal(onDisk, cHeader(), "run: node dist/src/sources/bpf/gen-header.js");
});

test("layout follows C alignment: padding before wide fields and at the tail", () => {
  const l = layout("t", [
    ["a", "u8"],
    ["b", "u64"],
    ["c", "u16"],
    ["d", { array: "char", len: 3 }],
  ] as const);
  // a@0, 7 bytes pad, b@8, c@16, d@18..20, tail padded to a multiple of 8.
  assert.deepEqual(l.off, { a: 0, b: 8, c: 16, d: 18 });
  assert.equal(l.size, 24);
});

test("task records are 8-byte multiples so back-to-back records stay aligned", () => {
  assert.equal(TASK_REC.size % 8, 0);
  assert.equal(TASK_REC.off.kind, 0);
  assert.equal(TASK_REC.off.size, 4);
});

test("cString stops at NUL or at the field's length", () => {
  const b = Buffer.from("abc\0def\0ghijklmn", "latin1");
  assert.equal(cString(b, 0, 8), "abc");
  assert.equal(cString(b, 4, 3), "def");
  assert.equal(cString(b, 8, 4), "ghij");
});

test("ditherTick: every tick of a period equally likely, independent of the period before", () => {
  for (const ticks of [4, 10, 200]) {
    const n = 2000 * ticks;
    const count = new Array<number>(ticks).fill(0);
    let same = 0;
    let prev = -1;
    for (let k = 0; k < n; k++) {
      const j = ditherTick(0x5eed1234, k, ticks);
      assert.ok(Number.isInteger(j) && j >= 0 && j < ticks);
      count[j]++;
      if (j === prev) same++;
      prev = j;
    }
    // 2000 expected per tick: a binomial's 5 sigma is ~220.
    for (const c of count) assert.ok(Math.abs(c - 2000) < 250, `ticks ${ticks}: ${count.join(",")}`);
    // The same tick twice in a row about 1 in `ticks` times, as for independent draws.
    assert.ok(Math.abs(same / n - 1 / ticks) < 0.2 / ticks + 0.005, `ticks ${ticks}: same ${same} of ${n}`);
  }
  // Another seed, another sequence; one tick per period: always tick 0.
  assert.notDeepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7].map((k) => ditherTick(1, k, 10)),
    [0, 1, 2, 3, 4, 5, 6, 7].map((k) => ditherTick(2, k, 10)),
  );
  assert.equal(ditherTick(7, 3, 1), 0);
  // Period 0: its second tick, whatever the seed (the first round comes at once).
  assert.deepEqual(
    [1, 2, 3].map((seed) => ditherTick(seed, 0, 200)),
    [1, 1, 1],
  );
  // With the ticks of 2 CPUs interleaved (20 slots a period), the origin CPU's second tick.
  assert.deepEqual(
    [1, 2, 3].map((seed) => ditherTick(seed, 0, 20, 2)),
    [2, 2, 2],
  );
  // One tick a period on 2 CPUs (2 slots): the origin's own tick.
  assert.equal(ditherTick(5, 0, 2, 2), 0);
});
