import assert from "node:assert/strict";
import { test } from "node:test";
import { renderLog2Hist } from "./log2-hist.js";

test("renders the bcc layout with a 40-star bar", () => {
  // Expected text written from bcc's printf formats: "%*s%-*s : count    distribution"
  // (5, 19) and "%*lld -> %-*lld : %-8d |" (10), stars = count*40/max.
  const text = renderLog2Hist([0, 2, 8], "usecs");
  const expected = [
    "     usecs               : count    distribution",
    "         0 -> 1          : 0        |                                        |",
    "         2 -> 3          : 2        |**********                              |",
    "         4 -> 7          : 8        |****************************************|",
    "",
  ].join("\n");
  assert.equal(text, expected);
});

test("more than 32 slots switches to the wide layout (indent 15, width 20, 20 stars)", () => {
  const counts = new Array(34).fill(0);
  counts[33] = 1;
  const lines = renderLog2Hist(counts, "nsecs").split("\n");
  assert.equal(lines[0], `${" ".repeat(15)}${"nsecs".padEnd(29)} : count    distribution`);
  assert.equal(
    lines[34],
    `${String(2 ** 33).padStart(20)} -> ${String(2 ** 34 - 1).padEnd(20)} : 1        |${"*".repeat(20)}|`,
  );
});
