// runRounds' pacing on the user-space clock, with its injectable clock: a round that
// takes a known time (the fake clock advances inside round()) makes the loop skip the
// slots it overran, and the slots it reports, the rounds it takes and what it says was
// expected follow from the schedule by arithmetic (the truth here is the construction:
// round k ends at k × cost; after it the next slot is ceil(k × cost / period)).
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
  // Round k ends at 250k ms; then the next slot is ceil(250k / 100): 3, 5, 8, 10 (= end).
  const { res, calls } = await run(250, 10, 1000);
  assert.deepEqual(
    calls.map((c) => [c.index, c.slot]),
    [
      [0, 0],
      [1, 3],
      [2, 5],
      [3, 8],
    ],
  );
  assert.equal(res.rounds, 4);
  assert.equal(res.expected, 10, "the schedule called for 10 rounds in 1 s at 10 Hz");
  assert.equal(res.elapsedMs, 1000);
  // What capture reports as missed before each round: slot - index.
  assert.deepEqual(
    calls.map((c) => c.slot - c.index),
    [0, 2, 3, 5],
  );
});

test("a round of just over a period skips one slot, not two", async () => {
  // Round 0 ends at 101, past slot 1: slot 2 next. Rounds then end at 202, 303, 404, each
  // before the slot after theirs (3, 4, 5): no more skips, the loop is back on schedule.
  const { calls } = await run(101, 10, 500);
  assert.deepEqual(
    calls.map((c) => c.slot),
    [0, 2, 3, 4],
  );
});

test("abort: the loop stops after the round in which the signal fired", async () => {
  const { res, calls } = await run(100, 10, 10_000, 3);
  assert.equal(calls.length, 4);
  assert.equal(res.rounds, 4);
  assert.equal(res.elapsedMs, 400);
});
