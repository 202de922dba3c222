// Missed rounds are never silent: the loop's (index, slot) pairs of a constructed schedule
// give one line when misses start, one a minute while they go on, one when they stop.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MissedRounds } from "./missed-rounds.js";

const T0 = Date.parse("2026-01-02T03:04:05Z") * 1000;

test("missed rounds: a line when they start (how many, since when), a minute later, and when they stop", () => {
  const m = new MissedRounds(1);
  const lines: string[] = [];
  // On time for 10 s: slot == index.
  let index = 0;
  let slot = 0;
  const round = (skip: number) => {
    slot += skip;
    const line = m.observe(index, slot, T0 + slot * 1e6);
    if (line) lines.push(line);
    index++;
    slot++;
  };
  for (let i = 0; i < 10; i++) round(0);
  assert.equal(lines.length, 0);
  // Then every round is late by one slot for 150 s: one round in two taken.
  for (let i = 0; i < 75; i++) round(1);
  assert.equal(m.total, 75);
  assert.match(lines[0], /falling behind: 1 rounds missed since 2026-01-02 03:04:16 UTC/);
  assert.equal(lines.filter((l) => l.includes("still behind")).length, 2, lines.join("\n"));
  // On schedule again for 2 minutes: one closing line with the whole count.
  for (let i = 0; i < 120; i++) round(0);
  assert.equal(lines.length, 4, lines.join("\n"));
  assert.match(
    lines[3],
    /on schedule again: 75 rounds missed from 2026-01-02 03:04:16 UTC to 2026-01-02 03:06:44 UTC/,
  );
});
