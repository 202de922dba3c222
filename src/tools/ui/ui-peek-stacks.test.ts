// The stack and thread peeks as pure text on fixtures: the icicle's frames take widths in
// proportion to their avg threads (a frame's share of the width is its share of the total),
// swimlanes put each bucket's state letter in its column, and Tab / ↑ ↓ move between tabs
// and scroll without leaving the selection.
import assert from "node:assert/strict";
import { test } from "node:test";
import { initialState, PEEK_TABS } from "../../ui-model/view-state.js";
import type { SelectionLanes, SelectionStacks } from "./selection-data.js";
import { applyKey } from "./ui-keys.js";
import { laneLines } from "./ui-lanes.js";
import { icicleLines } from "./ui-peek-stacks.js";

const W = { fromUs: 0, toUs: 60e6 };

test("icicle: each frame is as wide as its share of the avg threads, children under their parent", () => {
  const d: SelectionStacks = {
    window: W,
    coveredSeconds: 60,
    kernel: [],
    user: [],
    flame: [
      { frames: ["DISK", "fio", "pread64"], count: 3 },
      { frames: ["RUN", "fio"], count: 1 },
    ],
  };
  const lines = icicleLines(d, 40, "none");
  assert.equal(lines[0], `▏all${" ".repeat(36)}`);
  // DISK 3 of 4 avg threads: 30 of 40 characters; RUN: the other 10.
  assert.equal(lines[1], `▏DISK${" ".repeat(25)}▏RUN${" ".repeat(6)}`);
  assert.equal(lines[2], `▏fio${" ".repeat(26)}▏fio${" ".repeat(6)}`);
  assert.equal(lines[3].trimEnd(), "▏pread64");
  assert.equal(lines.length, 4);
  // Frames too narrow for a character are left out, the rest still drawn.
  const tiny = icicleLines({ ...d, flame: [...d.flame, { frames: ["RUNQ"], count: 0.01 }] }, 40, "none");
  assert.ok(!tiny.join("\n").includes("RUNQ"));
});

test("swimlanes: a letter per bucket in the state's column, blank where not sampled, within the width", () => {
  const d: SelectionLanes = {
    window: W,
    bucketUs: 10e6,
    startUs: 0,
    threads: 3,
    lanes: [
      { tid: 42, comm: "fio", avg: 0.8, states: ["DISK", "DISK", null, "RUN", "RUNQ", "SLEEP"] },
      { tid: 7, comm: "a-very-long-command-name", avg: 0.1, states: [null, "RUN", null, null, null, null] },
    ],
  };
  const lines = laneLines(d, 80, "none");
  assert.match(lines[0], /the 2 busiest of 3 threads/);
  assert.match(lines[1], /^ {5}42 fio +│DD RQs$/);
  assert.match(lines[2], /^ {6}7 a-very-long-c… │ R {4}$/);
  for (const l of lines) assert.ok(l.length <= 80, l);
  assert.match(lines.at(-1) ?? "", /a column is 10 s/);
});

test("peeks: f and t open a tab on the cursor's row; Tab and ← → cycle every tab; ↑ ↓ scroll; other keys close", () => {
  const table = {
    columns: ["avg_threads", "samples", "state"],
    rows: [{ avg_threads: 1, samples: 5, state: "DISK" }],
  };
  const c = { table, page: 20, pickerItems: null, window: null, extent: null, dir: "/d" };
  let s = applyKey({ ...initialState(), view: { ...initialState().view, groups: ["state"] } }, "f", c).state;
  assert.equal(s.peek?.tab, "flame");
  assert.deepEqual(s.peek?.filters, [{ column: "state", op: "=", value: "DISK" }]);
  const filters = s.peek?.filters;
  const seen: string[] = [];
  for (let i = 0; i < PEEK_TABS.length; i++) {
    s = applyKey(s, "tab", c).state;
    seen.push(s.peek?.tab ?? "");
    assert.equal(s.peek?.filters, filters, "the same selection");
  }
  assert.deepEqual([...seen].sort(), [...PEEK_TABS].sort());
  assert.equal(s.peek?.tab, "flame", "round the tabs back to the first");
  assert.equal(applyKey(s, "left", c).state.peek?.tab, "tiles");
  s = applyKey(applyKey(s, "down", c).state, "down", c).state;
  assert.equal(s.peek?.scroll, 2);
  s = applyKey(s, "pageup", c).state;
  assert.equal(s.peek?.scroll, 0, "never above the first line");
  assert.equal(applyKey(s, "t", c).state.peek, null, "another key closes");
  const t = applyKey(
    { ...initialState(), view: { ...initialState().view, groups: ["state"] } },
    "t",
    c,
  ).state;
  assert.equal(t.peek?.tab, "threads");
});
