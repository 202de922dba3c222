// tsnap cpudist against workloads whose scheduling we construct: one thread that runs
// 3 ms and sleeps 10 ms in a loop (test/workloads/duty-cycle.c: on-CPU stretches in the
// 2048-4095 µs slot, off-CPU ones in 8192-16383 µs), and side by side with libbpf-tools'
// cpudist on threads that never sleep, pinned to one CPU (every switch a preemption,
// which is all libbpf-tools v0.26 counts): percentiles within one slot.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import {
  assertBadInput,
  libbpfToolSkip,
  ours,
  parseHistText,
  percentileSlot,
  theirs,
} from "../../testkit/bcc-tools.js";
import { runCli } from "../../testkit/cli.js";
import { compileWorkload, REPO_ROOT, startWorkload } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/cpudist.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/cpudist.bpf.o not built (scripts/setup.sh)" : false;

interface JsonHist {
  pid: number;
  comm: string;
  count: number;
  sum_ns: number;
  slots: { low: number; high: number; count: number }[];
}

const inSlot = (h: JsonHist, low: number) => h.slots.find((s) => s.low === low)?.count ?? 0;

test("3 ms on, 10 ms off: on-CPU stretches in the 2048-4095 µs slot, off-CPU ones in 8192-16383 µs", {
  skip,
  timeout: 60_000,
}, async () => {
  const w = await startWorkload(compileWorkload("duty-cycle"), ["3000", "10000", "15"]);
  try {
    const pid = w.ready[1];
    const [on, off, text] = await Promise.all([
      runCli(["cpudist", "-P", "-p", pid, "--json", "2", "1"]),
      runCli(["cpudist", "-O", "-P", "-p", pid, "--json", "2", "1"]),
      runCli(["cpudist", "-L", "-p", pid, "-m", "-T", "1", "1"]),
    ]);
    for (const r of [on, off, text]) assert.equal(r.code, 0, r.stderr);
    const [h] = on.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as JsonHist);
    assert.equal(h.pid, Number(pid));
    assert.ok(h.comm.startsWith("duty-cycle"), h.comm);
    // 2 s of 13 ms cycles: about 150 stretches on the CPU (more when preemptions split them).
    assert.ok(h.count >= 100 && h.count <= 400, `${h.count} on-CPU stretches`);
    // The mode is the 3 ms slot; stretches cut short by a preemption fall below it, but
    // the total time on the CPU stays about 3/13 of the 2 s.
    assert.ok(inSlot(h, 2048) >= 0.4 * h.count, JSON.stringify(h.slots));
    assert.ok(
      h.slots.every((s) => s.count <= inSlot(h, 2048)),
      JSON.stringify(h.slots),
    );
    assert.ok(Math.abs(h.sum_ns - (2e9 * 3) / 13) <= 0.35 * ((2e9 * 3) / 13), `${h.sum_ns} ns on the CPU`);
    const [o] = off.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as JsonHist);
    assert.ok(o.count >= 100 && o.count <= 400, `${o.count} off-CPU stretches`);
    assert.ok(
      o.slots.every((s) => s.count <= inSlot(o, 8192)),
      JSON.stringify(o.slots),
    );
    // -L -m -T: the time line, then "tid = TID COMM" and a histogram in msecs with the
    // stretches in "2 -> 3".
    assert.match(
      text.stdout,
      /^Tracing on-CPU time\.\.\. Hit Ctrl-C to end\.\n\n\d\d:\d\d:\d\d\n\ntid = \d+ duty-cycle/,
    );
    const [ms] = parseHistText(text.stdout);
    assert.equal(ms.unit, "msecs");
    assert.equal(percentileSlot(ms.counts, 0.5), 1, text.stdout); // slot 1: "2 -> 3"
  } finally {
    await w.stop();
  }
});

test("side by side with libbpf-tools' cpudist: spinners pinned to one CPU, percentiles within one slot", {
  skip: skip || libbpfToolSkip("cpudist", ["1", "1"]),
  timeout: 60_000,
}, async () => {
  const spin = compileWorkload("spin");
  const w = await startWorkload("taskset", ["-c", "0", spin, "3", "20"]);
  try {
    const target = String(w.child.pid); // taskset execs the workload: the same process
    const [a, b] = [ours(["cpudist", "-p", target], "Ctrl-C to end."), theirs("cpudist", ["-p", target])];
    await Promise.all([a.started, b.started]);
    await new Promise((r) => setTimeout(r, 3000));
    const [x, y] = await Promise.all([a.stop(), b.stop()]);
    const [mine] = parseHistText(x.out);
    const [ref] = parseHistText(y.out);
    assert.ok(mine && ref, `${x.out}\n${y.out}`);
    const n = mine.counts.reduce((p, q) => p + q, 0);
    const nRef = ref.counts.reduce((p, q) => p + q, 0);
    assert.ok(n > 100 && Math.abs(n - nRef) <= 0.1 * nRef, `ours ${n}, libbpf-tools ${nRef}`);
    for (const q of [0.5, 0.9]) {
      const s = percentileSlot(mine.counts, q);
      const r = percentileSlot(ref.counts, q);
      assert.ok(Math.abs(s - r) <= 1, `p${q * 100}: slot ${s} vs ${r}\n${x.out}\n${y.out}`);
    }
  } finally {
    await w.stop();
  }
});

test("bad input: one error line and exit 2 (no such process: 1); as a non-root user: one line and exit 1", async () => {
  await assertBadInput("cpudist", [
    [["-P", "-L"], 2, /^tsnap: -P and -L: one at a time\n$/],
    [["0"], 2, /^tsnap: interval must be a positive number, got '0'\n$/],
    [["-p", "4194304"], 1, /^tsnap: no process with PID 4194304\n$/],
  ]);
});
