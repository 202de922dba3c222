// One list of cases run against every sampler backend: each source (proc, bpf) driven
// directly (Sampler + runRounds) and through `tsnap top` (table and footer parsed), the way
// hono's common.case.test.ts runs one suite on every runtime. A backend that cannot run
// here is skipped with the reason; a case declares the backends it does not apply to, and
// why. Truths: /proc/PID/task (the kernel's list of threads), workloads whose states are
// constructed (threads that only sleep, threads that only spin), and for what BPF may see
// at all, a plain task iterator with no filter (testkit/bpf-witness.ts).
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { bpfTaskView, bpfWitnessUnavailable } from "../testkit/bpf-witness.js";
import { type Backend, backends, type Observation, sourceUnavailable } from "../testkit/sampler-backends.js";
import { compileWorkload, type RunningWorkload, startWorkload } from "../testkit/workloads.js";

const POOL_THREADS = 40;
const SPINNERS = 2;

interface Env {
  pool: RunningWorkload;
  spin: RunningWorkload;
}

interface Case {
  name: string;
  /** Why this case does not apply to a backend (null: it does). */
  skip?(b: Backend): string | null;
  run(b: Backend, env: Env): Promise<void>;
}

/** Threads of a process as /proc lists them. */
function tasks(pid: number): Set<number> {
  try {
    return new Set(readdirSync(`/proc/${pid}/task`).map(Number));
  } catch {
    return new Set();
  }
}

/** Every thread of the system as /proc lists it. */
function allTasks(): Set<number> {
  const out = new Set<number>();
  for (const d of readdirSync("/proc")) if (/^\d+$/.test(d)) for (const t of tasks(Number(d))) out.add(t);
  return out;
}

const pidOf = (w: RunningWorkload) => w.child.pid!;

function samplesByTid(o: Observation): Map<number, number> {
  const m = new Map<number, number>();
  for (const r of o.rows) m.set(r.tid, (m.get(r.tid) ?? 0) + r.samples);
  return m;
}

/** PID 1 is out of reach of every BPF program here (not tsnap's doing): why, or null. */
let pid1Hidden: string | null | undefined;
function bpfHidesPid1(): string | null {
  if (pid1Hidden !== undefined) return pid1Hidden;
  const why = bpfWitnessUnavailable();
  if (why !== null) return `cannot tell whether BPF may see PID 1 (${why})`;
  const view = bpfTaskView();
  const pid1 = [...tasks(1)];
  pid1Hidden =
    !view.pid1Found && !pid1.some((t) => view.tids.has(t))
      ? `this kernel keeps PID 1 (${pid1.length} threads) from BPF: a plain iter/task program never visits it and bpf_task_from_pid(1) is NULL`
      : null;
  return pid1Hidden;
}

const cases: Case[] = [
  {
    name: "-a -p POOL: every thread of a sleeping pool in every round; rounds and threads seen as /proc says",
    async run(b, env) {
      const pid = pidOf(env.pool);
      const truth = tasks(pid);
      const o = await b.observe({ all: true, pids: [pid], durationS: 2, hz: 5 });
      assert.equal(o.source, b.source);
      // 2 s at 5 Hz: 10 rounds due. On a loaded machine (a fork storm of 200/s beside it) the
      // proc source missed up to 2; a missed round is said as missed (expected stays 10).
      assert.equal(o.expected, 10);
      assert.ok(o.rounds >= 7 && o.rounds <= 10, `${o.rounds} rounds of 10 (2 s at 5 Hz)`);
      const seen = samplesByTid(o);
      assert.deepEqual([...seen.keys()].sort(), [...truth].sort(), "the threads /proc/PID/task lists");
      for (const [tid, n] of seen) assert.equal(n, o.rounds, `tid ${tid} in every round`);
      assert.ok(
        o.rows.every((r) => r.pid === pid),
        "only the process asked for",
      );
      assert.equal(o.threadsSeen, truth.size, "footer: threads seen = threads of the process");
    },
  },
  {
    name: "-p SPIN without -a: each spinning thread active in every round, the sleeping main thread absent",
    async run(b, env) {
      const pid = pidOf(env.spin);
      const o = await b.observe({ all: false, pids: [pid], durationS: 2, hz: 5 });
      const seen = samplesByTid(o);
      assert.equal(seen.size, SPINNERS, JSON.stringify(o.rows));
      assert.ok(!seen.has(pid), "main thread waits in pthread_join: not active");
      for (const [tid, n] of seen) assert.equal(n, o.rounds, `spinner ${tid} in every round`);
      for (const r of o.rows) assert.ok(r.state === "RUN" || r.state === "RUNQ", `state ${r.state}`);
      assert.equal(o.threadsSeen, SPINNERS + 1, "footer: threads looked at, active or not");
    },
  },
  {
    name: "-a -p 1: every thread of PID 1, footer consistent",
    skip: (b) => (b.source === "bpf" ? bpfHidesPid1() : null),
    async run(b) {
      const truth = tasks(1);
      assert.ok(truth.size > 0, "/proc/1/task lists PID 1's threads");
      const o = await b.observe({ all: true, pids: [1], durationS: 1, hz: 2 });
      const seen = samplesByTid(o);
      const stable = [...truth].filter((t) => tasks(1).has(t));
      for (const t of stable) assert.equal(seen.get(t), o.rounds, `PID 1 thread ${t} in every round`);
      assert.ok(o.threadsSeen >= stable.length, `footer threads seen ${o.threadsSeen} ≥ ${stable.length}`);
    },
  },
  {
    name: "-a system-wide: every thread /proc lists before and after is seen (bpf: all BPF may see)",
    async run(b, env) {
      const before = allTasks();
      const o = await b.observe({ all: true, durationS: 1, hz: 2 });
      const afterSet = allTasks();
      const self = tasks(process.pid);
      let expected = [...before].filter((t) => afterSet.has(t) && !self.has(t));
      let hidden: number[] = [];
      if (b.source === "bpf" && bpfWitnessUnavailable() === null) {
        const view = bpfTaskView();
        hidden = expected.filter((t) => !view.tids.has(t));
        for (const t of [...tasks(pidOf(env.pool)), ...tasks(pidOf(env.spin))])
          assert.ok(view.tids.has(t), `the witness itself sees the workloads (tid ${t})`);
        // PID 1's threads when this kernel keeps them from BPF (the -p 1 case says so); of the
        // rest, only threads that came and went while the witness ran may be missing.
        const pid1 = bpfHidesPid1() === null ? new Set<number>() : tasks(1);
        const otherHidden = hidden.filter((t) => !pid1.has(t));
        assert.ok(
          otherHidden.length <= expected.length / 20,
          `${otherHidden.length} of ${expected.length} hidden besides PID 1's threads`,
        );
        expected = expected.filter((t) => !hidden.includes(t));
      }
      const seen = samplesByTid(o);
      const missing = expected.filter((t) => !seen.has(t));
      assert.deepEqual(missing, [], `threads /proc lists that ${b.name} missed`);
      assert.ok(
        o.threadsSeen >= expected.length,
        `footer threads seen ${o.threadsSeen} ≥ ${expected.length}${hidden.length ? ` (${hidden.length} hidden from every BPF program: ${hidden.slice(0, 5).join(",")}…)` : ""}`,
      );
    },
  },
];

// The witness compiles and loads a BPF program synchronously: done here, before any case
// runs, so it never stalls a suite's sampling loop (a 1.2-1.5 s stall cost the proc suite
// 8 of 10 rounds when the bpf suites were declared, and probed, while it sampled).
bpfHidesPid1();
// So is finding out whether a source opens here (a BPF load): all before the first suite.
const unavailable = new Map<string, string | null>();
for (const b of backends())
  if (!unavailable.has(b.source)) unavailable.set(b.source, await sourceUnavailable(b.source));

for (const b of backends()) {
  describe(`sampler conformance: ${b.name}`, () => {
    const why = unavailable.get(b.source) ?? null;
    if (why !== null) {
      test(`skipped: ${why}`, { skip: why }, () => {});
      return;
    }
    let env: Env;
    before(async () => {
      env = {
        pool: await startWorkload(compileWorkload("many-threads", "bench/c"), [String(POOL_THREADS), "1000"]),
        spin: await startWorkload(compileWorkload("spin"), [String(SPINNERS), "120"]),
      };
    });
    after(async () => {
      await env.pool.stop();
      await env.spin.stop();
    });
    for (const c of cases) {
      const skip = c.skip?.(b) ?? null;
      test(c.name, skip !== null ? { skip } : {}, () => c.run(b, env));
    }
  });
}
