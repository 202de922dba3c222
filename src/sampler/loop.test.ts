// The kernel-clocked loop never wakes close to a sampling instant.
import assert from "node:assert/strict";
import { test } from "node:test";
import { wakeTime } from "./loop.js";

test("wakeTime: at the target when the next instant is far enough, else just after an instant followed by room", () => {
  // Dithered instants, irregular as the kernel's: the first after t.
  const instants = [1000, 1005, 1050, 1140, 1145, 1190, 1290];
  const next = (t: number) => instants.find((i) => i > t) ?? null;
  assert.equal(wakeTime(1020, next, 25), 1020); // 30 ms before the next instant
  assert.equal(wakeTime(1030, next, 25), 1051); // 20 ms before one: wake after it (90 ms free)
  assert.equal(wakeTime(1050.5, next, 25), 1051); // just after one: let its round finish
  assert.equal(wakeTime(1130, next, 25), 1146); // 1140 is followed by 5 ms, 1145 by 45
  assert.equal(wakeTime(1300, next, 25), 1300); // no instant known after it
  assert.equal(
    wakeTime(1020, () => null, 25),
    1020,
  ); // instants unknown yet
  // Whatever the target: never early, never within 2 ms before an instant nor 1 ms after one,
  // and the next instant at least `room` away unless the instants ran out.
  for (let t = 990; t < 1200; t += 0.37) {
    const w = wakeTime(t, next, 25);
    assert.ok(w >= t, `${t} -> ${w}`);
    for (const i of instants) assert.ok(w - i >= 1 || i - w >= 2, `${t} -> ${w} near ${i}`);
    const n = next(w);
    assert.ok(n === null || n - w >= 25, `${t} -> ${w}, next instant ${n}`);
  }
});
