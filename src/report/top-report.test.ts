// The footer's account of how rounds were taken: never silent when the sampler fell behind
// or could not keep out of the samples.
import assert from "node:assert/strict";
import { test } from "node:test";
import { clockLines, type WindowStats } from "./top-report.js";

const base: WindowStats = {
  rounds: 100,
  expected: 100,
  threadsSeen: 10,
  durationMs: 5000,
  cpuUs: 1000,
  vanished: 0,
  denied: {},
  source: "bpf",
  startedAt: 0,
  root: true,
  clock: "in-kernel clock (perf_event cpu-clock on CPU 0)",
  roundsLost: 0,
  roundsLate: 0,
  perturbedRounds: 0,
  selfActive: 0,
};

test("kernel clock, nothing missed, tsnap never active: one line, no warning", () => {
  const l = clockLines(base);
  assert.equal(l.length, 1);
  assert.match(l[0], /^sampling: in-kernel clock .* at 0 of 100 instants \| rounds lost: 0, late: 0$/);
});

test("each shortfall is a WARNING line that says how much", () => {
  const l = clockLines({ ...base, roundsLost: 3, roundsLate: 2, perturbedRounds: 4, selfActive: 5 });
  const warnings = l.filter((x) => x.startsWith("WARNING: "));
  assert.equal(warnings.length, 3, l.join("\n"));
  assert.ok(
    warnings.some((w) => /at 4 of 100 sampling instants \(5 thread-instants\).*0\.05 threads/.test(w)),
  );
  assert.ok(warnings.some((w) => /^WARNING: 3 rounds lost/.test(w)));
  assert.ok(warnings.some((w) => /^WARNING: 2 rounds late/.test(w)));
});

test("rounds read from user space always warn, naming the source's reason", () => {
  for (const source of ["proc", "bpf"]) {
    const l = clockLines({ ...base, source, clock: null });
    assert.equal(l[0], "sampling: user space");
    assert.match(l[1], source === "bpf" ? /^WARNING: .*task iterator.*RUNQ/ : /^WARNING: .*\/proc/);
  }
});
