// Stacktiles: the pure layout on constructed stacks, and `tsnap top --stacks kernel` on a
// thread sleeping in clock_nanosleep against the kernel's own /proc/PID/stack.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { runTsnap } from "../testkit/cli.js";
import { compileWorkload, startWorkload } from "../testkit/workloads.js";
import { renderStackTiles } from "./stacktiles.js";

const tiles = [
  { frames: ["leaf_a", "mid", "root"], avgThreads: 3 },
  { frames: ["leaf_b_with_a_very_long_function_name_indeed", "root"], avgThreads: 1 },
  { frames: [], avgThreads: 0.5 },
];

test("as many columns as fit the width, each no wider than its share, leaf first", () => {
  const text = renderStackTiles(tiles, { title: "T", width: 60, totalAvg: 4.5 });
  const lines = text.trimEnd().split("\n");
  assert.equal(lines[0], "T");
  // (60 + 2) / (28 + 2) = 2 columns of 29.
  assert.ok(
    lines.every((l) => l.length <= 60),
    text,
  );
  assert.match(lines[1], /^#1 3\.00 thr 67% +#2 1\.00 thr 22%$/);
  assert.equal(lines[3].slice(0, 29).trimEnd(), "leaf_a");
  assert.equal(lines[3].slice(31), "leaf_b_with_a_very_long_fun..");
  assert.equal(lines[5].trimEnd(), "root");
  assert.equal(lines.at(-1), "(1 more stacks: a wider terminal shows more)");
});

test("one column on a narrow terminal; no stacks; frames past the limit counted", () => {
  const one = renderStackTiles(tiles, { title: "T", width: 10, totalAvg: 4.5 }).split("\n");
  assert.match(one[1], /^#1 3\.00 thr 67%$/);
  assert.equal(
    renderStackTiles([], { title: "T", width: 80, totalAvg: 0 }),
    "T\n(no stacks in this window)\n",
  );
  const deep = { frames: Array.from({ length: 40 }, (_, i) => `f${i}`), avgThreads: 1 };
  const t = renderStackTiles([deep], { title: "T", width: 80, totalAvg: 1, maxFrames: 10 }).split("\n");
  assert.equal(t[3].trim(), "f0");
  assert.equal(t[11].trim(), "f8");
  assert.equal(t[12].trim(), "(+31 more)");
});

test("top --stacks kernel: a thread in clock_nanosleep heads tile #1 with /proc/PID/stack's leaf", {
  skip: process.getuid?.() !== 0 && "needs root (kernel stacks)",
}, async () => {
  const w = await startWorkload(compileWorkload("sleep-loop"), ["1000", "30"]);
  try {
    const pid = w.ready[1];
    const procStack = readFileSync(`/proc/${pid}/stack`, "utf8");
    const leaf = /\] ([A-Za-z0-9_.]+)\+/.exec(procStack)?.[1];
    assert.ok(leaf, procStack);
    const r = await runTsnap(["top", "-a", "-p", pid, "-d", "1", "--stacks", "kernel"]);
    assert.equal(r.code, 0, r.stderr);
    const at = r.stdout.indexOf("=== Top kernel stacks (leaf first) ===");
    assert.ok(at >= 0, r.stdout);
    const lines = r.stdout.slice(at).split("\n");
    assert.match(lines[1], /^#1 1\.00 thr 100%/, r.stdout);
    assert.equal(lines[3].trim(), leaf, r.stdout);
    assert.ok(
      lines.slice(3).some((l) => /do_syscall_64/.test(l)),
      r.stdout,
    );
  } finally {
    await w.stop();
  }
});

test("top --stacks: a bad kind or a format other than table is one usage line", async () => {
  for (const args of [
    ["--stacks", "both"],
    ["--stacks", "kernel", "--format", "json"],
  ]) {
    const r = await runTsnap(["top", "-d", "1", ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /^tsnap: .*--stacks/);
  }
});
