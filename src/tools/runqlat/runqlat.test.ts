// tsnap runqlat on more spinning threads than CPUs (test/workloads/spin.c), against the
// kernel's own scheduler accounting (/proc/PID/task/TID/schedstat: run_delay, the time
// spent runnable on a run queue, and pcount, the times put on a CPU) and against
// libbpf-tools' runqlat tracing the same run. The machine is shared: counts and sums are
// compared with tolerances, histograms within one slot per percentile.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { liveCount } from "../../bpf/handles.js";
import { parseSchedstat } from "../../sources/proc/schedstat.js";
import {
  assertBadInput,
  libbpfTool,
  ours,
  parseHistText,
  percentileSlot,
  theirs,
} from "../../testkit/bcc-tools.js";
import { runCli } from "../../testkit/cli.js";
import { compileWorkload, REPO_ROOT, type RunningWorkload, startWorkload } from "../../testkit/workloads.js";
import { histDeltas } from "../hist-tool.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/runqlat.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/runqlat.bpf.o not built (scripts/setup.sh)" : false;
const skipRef =
  skip || (libbpfTool("runqlat") ? false : "libbpf-tools runqlat not installed (setup.sh --tests)");
const SPINNERS = availableParallelism() * 2;

let wl: RunningWorkload | undefined;
let pid = 0;

/** Σ over the workload's threads of schedstat: run_delay (ns) and pcount. */
function schedstat(): { waitNs: number; slices: number } {
  let waitNs = 0;
  let slices = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const s = parseSchedstat(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8"));
      waitNs += s.waitNs;
      slices += s.slices;
    } catch {
      // exited
    }
  }
  return { waitNs, slices };
}

before(async () => {
  if (skip) return;
  wl = await startWorkload(compileWorkload("spin"), [String(SPINNERS), "60"]);
  pid = wl.child.pid!;
});

after(async () => {
  await wl?.stop();
});

test("the kernel's count and sum of run-queue waits equal schedstat's pcount and run_delay", {
  skip,
  timeout: 30_000,
}, async (ctx) => {
  const { loadRunqlat } = await import("./runqlat-load.js");
  const src = loadRunqlat({ pid, key: "none", ms: false });
  try {
    const base = new Map(src.read().map((e) => [e.key.toString("hex"), e.value]));
    const s0 = schedstat();
    await sleep(2000);
    const s1 = schedstat();
    const [d] = histDeltas(base, src.read());
    const slices = s1.slices - s0.slices;
    const waitNs = s1.waitNs - s0.waitNs;
    ctx.diagnostic(
      `runqlat ${d.total} waits, Σ ${d.sumNs} ns; schedstat pcount ${slices}, run_delay ${waitNs} ns`,
    );
    // Every time a spinner was put on a CPU it had waited on a run queue (they never sleep).
    assert.ok(slices > 100, `${slices} slices`);
    assert.ok(Math.abs(d.total - slices) <= 0.05 * slices + 10, `runqlat ${d.total} vs pcount ${slices}`);
    assert.ok(
      Math.abs(d.sumNs - waitNs) <= 0.1 * waitNs,
      `runqlat Σ ${d.sumNs} ns vs run_delay ${waitNs} ns`,
    );
    // The mean wait lies in the histogram's body.
    const mean = Math.floor(Math.log2(d.sumNs / d.total / 1000));
    assert.ok(mean >= percentileSlot(d.counts, 0.01) && mean <= percentileSlot(d.counts, 0.999));
    assert.deepEqual(src.lost(), { start: 0, hist: 0 });
  } finally {
    src.close();
  }
});

test("side by side with libbpf-tools' runqlat: the same distribution; -L per thread, -P per process", {
  skip: skipRef,
  timeout: 60_000,
}, async (ctx) => {
  const handles = liveCount();
  const p = ["-p", String(pid)];
  const t = {
    text: ours(["runqlat", ...p]),
    ref: theirs("runqlat", p),
    tids: ours(["runqlat", "-L", ...p]),
    refTids: theirs("runqlat", ["-L", ...p]),
    pids: ours(["runqlat", "-P", "-m"]),
    pidns: ours(["runqlat", "--pidnss", "--json", ...p]),
  };
  await Promise.all(Object.values(t).map((x) => x.started));
  await sleep(2000);
  const stopped = await Promise.all(Object.values(t).map((x) => x.stop()));
  const res = Object.fromEntries(Object.keys(t).map((k, i) => [k, stopped[i]])) as Record<
    keyof typeof t,
    (typeof stopped)[0]
  >;
  for (const [k, r] of Object.entries(res)) assert.equal(r.code, 0, `${k}: ${r.err}`);

  const text = parseHistText(res.text.out);
  const ref = parseHistText(res.ref.out);
  assert.equal(text.length, 1, res.text.out);
  assert.match(res.text.out, /^Tracing run queue latency\.\.\. Hit Ctrl-C to end\.\n\n {5}usecs {15}: count/);
  const n = text[0].counts.reduce((a, b) => a + b, 0);
  const nRef = ref[0].counts.reduce((a, b) => a + b, 0);
  ctx.diagnostic(
    `ours ${n} waits, libbpf-tools ${nRef}; p50/p90/p99 slots ${[0.5, 0.9, 0.99].map((q) => `${percentileSlot(text[0].counts, q)}/${percentileSlot(ref[0].counts, q)}`).join(" ")}`,
  );
  // The two attach at different moments (a second apart at most, of ~3 s traced).
  assert.ok(Math.abs(n - nRef) <= 0.35 * nRef, `ours ${n} vs libbpf-tools ${nRef}`);
  for (const q of [0.5, 0.9, 0.99]) {
    const a = percentileSlot(text[0].counts, q);
    const b = percentileSlot(ref[0].counts, q);
    assert.ok(
      Math.abs(a - b) <= 1,
      `p${q * 100}: slot ${a} vs libbpf-tools' ${b}\n${res.text.out}\n${res.ref.out}`,
    );
  }

  // -L: one histogram per spinning thread, each a thread of the workload with its name,
  // like libbpf-tools' -L.
  const heads = (out: string) =>
    parseHistText(out)
      .filter((h) => h.counts.reduce((a, b) => a + b, 0) >= 20)
      .map((h) => h.head)
      .sort();
  const tids = heads(res.tids.out);
  assert.ok(tids.length >= SPINNERS, res.tids.out);
  for (const h of tids) {
    const m = /^tid = (\d+) (.+)$/.exec(h);
    assert.ok(m, h);
    assert.equal(m[2], readFileSync(`/proc/${pid}/task/${m[1]}/comm`, "utf8").trim());
  }
  assert.deepEqual(tids, heads(res.refTids.out));

  // -P over the whole machine: the workload is one of the processes, in msecs.
  const mine = parseHistText(res.pids.out).find((h) => h.head.startsWith(`pid = ${pid} `));
  assert.ok(mine, res.pids.out);
  assert.equal(mine.unit, "msecs");

  // --pidnss: one histogram, the workload's pid namespace (the inode of /proc/PID/ns/pid).
  const ns = res.pidns.out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(ns.length, 1, res.pidns.out);
  assert.equal(ns[0].pidns, statSync(`/proc/${pid}/ns/pid`).ino);
  assert.ok(Math.abs(ns[0].count - n) <= 0.2 * n, `${ns[0].count} vs ${n}`);
  assert.equal(liveCount(), handles, "every BPF object and link closed");
});

test("the raw_tp hooks count what the tp_btf hooks count", { skip, timeout: 30_000 }, async () => {
  const { loadRunqlat } = await import("./runqlat-load.js");
  const cfg = { pid, key: "tid" as const, ms: false };
  const raw = loadRunqlat(cfg, "raw_tp");
  const btf = loadRunqlat(cfg, "tp_btf");
  try {
    const base = (src: typeof raw) => new Map(src.read().map((e) => [e.key.toString("hex"), e.value]));
    const [r0, b0] = [base(raw), base(btf)];
    await sleep(1000);
    const total = (src: typeof raw, b: Map<string, Buffer>) =>
      histDeltas(b, src.read()).reduce((a, d) => a + d.total, 0);
    const [a, b] = [total(raw, r0), total(btf, b0)];
    assert.ok(a > 50 && Math.abs(a - b) <= 0.05 * b + 5, `raw_tp ${a}, tp_btf ${b}`);
  } finally {
    raw.close();
    btf.close();
  }
});

test("[interval] [count] with -T: count reports, each with its time, then it exits", { skip }, async () => {
  const r = await runCli(["runqlat", "-T", "-p", String(pid), "0.3", "2"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.match(/^\d\d:\d\d:\d\d$/gm)?.length, 2, r.stdout);
  assert.equal(parseHistText(r.stdout).length, 2, r.stdout);
});

test("bad input: one error line and exit 2 (usage) or 1 (no such process, cgroup, not root)", async () => {
  const cases: [string[], number, RegExp][] = [
    [["-P", "-L"], 2, /^tsnap: -P, -L and --pidnss: one at a time\n$/],
    [["-p", "x"], 2, /^tsnap: -p must be a decimal number, got 'x'\n$/],
    [["-p", "99999999"], 2, /^tsnap: -p must be at most 4194304, got 99999999\n$/],
    [["-p", "4194000"], 1, /^tsnap: no process with PID 4194000\n$/],
    [["1", "0"], 2, /^tsnap: count must be a positive whole number, got '0'\n$/],
    [["--bogus"], 2, /^tsnap: unknown option '--bogus'/],
  ];
  if (root)
    cases.push([
      ["-c", "/nonexistent/cg", "1", "1"],
      1,
      /^tsnap: -c: cannot open cgroup \/nonexistent\/cg: /,
    ]);
  await assertBadInput("runqlat", cases, { needsRoot: ["1", "1"] });
});
