// runRounds' pacing on the user-space clock, with its injectable clock: a round that
// takes a known time (the fake clock advances inside round()) makes the loop skip the
// slots it overran, and the slots it reports, the rounds it takes and what it says was
// expected follow from the schedule by arithmetic (the truth here is the construction:
// round k ends at k × cost; the next round is in the slot that time is in, unless that
// slot's whole span has passed). The dither is fixed at 0 except where it is the subject.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type RoundResult, type Sampler, zeroStats } from "../model/sampler.js";
import { runRounds } from "./loop.js";

/** A source whose every round costs `costMs` on the fake clock. */
function timedSampler(clock: { t: number }, costMs: number): Sampler {
  return {
    source: "proc",
    kernelClock: null,
    round(): RoundResult {
      const r = {
        timestamp: clock.t * 1000,
        samples: [],
        threadsSeen: 0,
        syscallEnds: [],
        ioEnds: [],
        newStacks: [],
      };
      clock.t += costMs;
      return r;
    },
    stats: zeroStats,
    close() {},
  };
}

async function run(costMs: number, hz: number, durationMs: number, stopAt?: number) {
  const clock = { t: 0 };
  const ac = new AbortController();
  const calls: { index: number; slot: number; at: number }[] = [];
  const res = await runRounds(timedSampler(clock, costMs), {
    hz,
    durationMs,
    signal: ac.signal,
    now: () => clock.t,
    dither: () => 0,
    onRound: (r, index, slot) => {
      calls.push({ index, slot, at: r.timestamp / 1000 });
      if (stopAt !== undefined && index === stopAt) ac.abort();
    },
  });
  return { res, calls };
}

test("rounds that take exactly a period: every slot taken, none missed", async () => {
  const { res, calls } = await run(100, 10, 1000);
  assert.equal(res.rounds, 10);
  assert.equal(res.expected, 10);
  assert.equal(res.elapsedMs, 1000);
  assert.deepEqual(
    calls.map((c) => c.slot),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.deepEqual(
    calls.map((c) => c.at),
    [0, 100, 200, 300, 400, 500, 600, 700, 800, 900],
  );
});

test("rounds of 2.5 periods: the overrun slots are skipped and reported as missed", async () => {
  // A round is taken in the slot it ends in unless that slot is wholly past: rounds end at
  // 250, 500, 750, 1000 ms, in slots 2, 5 (4 is past), 7, 10 (= end).
  const { res, calls } = await run(250, 10, 1000);
  assert.deepEqual(
    calls.map((c) => [c.index, c.slot]),
    [
      [0, 0],
      [1, 2],
      [2, 5],
      [3, 7],
    ],
  );
  assert.equal(res.rounds, 4);
  assert.equal(res.expected, 10, "the schedule called for 10 rounds in 1 s at 10 Hz");
  assert.equal(res.elapsedMs, 1000);
  // What capture reports as missed before each round: slot - index.
  assert.deepEqual(
    calls.map((c) => c.slot - c.index),
    [0, 1, 3, 4],
  );
});

test("a round of just over a period: the next is taken late in its slot, none missed", async () => {
  // Round 0 ends at 101, inside slot 1: round 1 is taken at once, in slot 1; rounds then end
  // at 202, 303, 404, each inside the next slot.
  const { calls } = await run(101, 10, 500);
  assert.deepEqual(
    calls.map((c) => [c.slot, c.at]),
    [
      [0, 0],
      [1, 101],
      [2, 202],
      [3, 303],
      [4, 404],
    ],
  );
});

test("dithered (real clock): each round at its slot's start plus the dither's share of a period", async () => {
  const clock = { t: 0 };
  const t0 = performance.now();
  const at: number[] = [];
  const shares = [0.5, 0.25, 0.9];
  await runRounds(timedSampler(clock, 0), {
    hz: 10,
    durationMs: 400,
    signal: new AbortController().signal,
    dither: () => shares.shift() ?? 0,
    onRound: () => {
      at.push(performance.now() - t0);
    },
  });
  // Slots of 100 ms: round 0 at once, then 100 + 50, 200 + 25, 300 + 90.
  const want = [0, 150, 225, 390];
  assert.equal(at.length, want.length, JSON.stringify(at));
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(at[i] - want[i]) < 20, JSON.stringify(at));
});

test("abort: the loop stops after the round in which the signal fired", async () => {
  const { res, calls } = await run(100, 10, 10_000, 3);
  assert.equal(calls.length, 4);
  assert.equal(res.rounds, 4);
  assert.equal(res.elapsedMs, 400);
});
