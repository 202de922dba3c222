// The kernel-clocked loop never wakes close to a sampling instant.
import assert from "node:assert/strict";
import { test } from "node:test";
import { wakeTime } from "./loop.js";

test("wakeTime: at the target when no instant is near, else just after the instant", () => {
  // Dithered instants, irregular as the kernel's: the first after t.
  const instants = [1000, 1005, 1050, 1140, 1145, 1190];
  const next = (t: number) => instants.find((i) => i > t) ?? null;
  assert.equal(wakeTime(1020, next), 1020); // 30 ms before the next instant
  assert.equal(wakeTime(1047, next), 1051); // 3 ms before one: wait for it
  assert.equal(wakeTime(1050.5, next), 1051); // just after one: let its round finish
  assert.equal(wakeTime(1138, next), 1141); // and the next is 4 ms later: still worth it
  assert.equal(wakeTime(1300, next), 1300); // no instant known after it
  assert.equal(
    wakeTime(1020, () => null),
    1020,
  ); // instants unknown yet
  // Whatever the target: never within 2 ms before an instant nor 1 ms after one, never early.
  for (let t = 990; t < 1200; t += 0.37) {
    const w = wakeTime(t, next);
    assert.ok(w >= t, `${t} -> ${w}`);
    for (const i of instants) assert.ok(w - i >= 1 || i - w >= 2, `${t} -> ${w} near ${i}`);
  }
});
