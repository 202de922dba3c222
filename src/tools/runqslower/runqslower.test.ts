// tsnap runqslower on three spinning threads pinned to one CPU (test/workloads/spin.c under
// taskset), against the kernel's own scheduler accounting (/proc/PID/task/TID/schedstat:
// pcount, the times a thread was put on a CPU, and run_delay, its time waiting on a run
// queue) and against libbpf-tools' runqslower on the same run. The workload is stopped
// (SIGSTOP) while the tracers attach and continued for 2 s, then stopped again before they
// end, so every tracer sees the same waits.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { parseSchedstat } from "../../sources/proc/schedstat.js";
import { assertBadInput, libbpfTool, ours, stopAll, theirs } from "../../testkit/bcc-tools.js";
import { compileWorkload, REPO_ROOT, startWorkload } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/runqslower.bpf.o`);
const skip = !root
  ? "needs root"
  : !built
    ? "build/bpf/runqslower.bpf.o not built (scripts/setup.sh)"
    : false;
const THRESHOLD_US = 2000;

interface JsonWait {
  pid: number;
  tid: number;
  comm: string;
  lat_us: number;
  wait_ns: number;
  prev_comm: string;
}

/** schedstat of each thread (the main thread waits for the spinners: SIGCONT wakes it too). */
function schedstats(pid: number): Map<number, { waitNs: number; slices: number }> {
  const out = new Map<number, { waitNs: number; slices: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`).map(Number))
    out.set(tid, parseSchedstat(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8")));
  return out;
}

const parse = (text: string) =>
  text
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as JsonWait);

test("every wait: schedstat's pcount and run_delay; above 2 ms: the same waits as libbpf-tools'", {
  // libbpf-tools' runqslower never exits by itself (libbpfToolSkip needs one that does):
  // it loads on this kernel (tp_btf sched hooks), so only its presence is checked.
  skip:
    skip || (libbpfTool("runqslower") ? false : "libbpf-tools runqslower not installed (setup.sh --tests)"),
  timeout: 60_000,
}, async (ctx) => {
  const w = await startWorkload("taskset", ["-c", "0", compileWorkload("spin"), "3", "30"]);
  const pid = w.child.pid!; // taskset execs the workload: the same process
  try {
    process.kill(pid, "SIGSTOP");
    const tids = [...schedstats(pid).keys()];
    assert.equal(tids.length, 4);
    const spinner = tids.find((t) => t !== pid)!;
    const t = {
      all: ours(["runqslower", "--json", "-p", String(pid), "1"], "Tracing run queue"),
      slow: ours(["runqslower", "--json", "-p", String(pid), String(THRESHOLD_US)], "Tracing run queue"),
      thread: ours(["runqslower", "-P", "-t", String(spinner), "1"], "LAT(us)"),
      ref: theirs("runqslower", ["-p", String(pid), String(THRESHOLD_US)], "LAT(us)"),
    };
    await Promise.all(Object.values(t).map((x) => x.started));
    const s0 = schedstats(pid);
    process.kill(pid, "SIGCONT");
    await sleep(2000);
    process.kill(pid, "SIGSTOP");
    await sleep(200);
    const s1 = schedstats(pid);
    const r = await stopAll(t);

    // Every wait of the four threads: as many as times they were put on the CPU, as long
    // in sum as the time the kernel says they waited.
    const all = parse(r.all.out);
    let slices = 0;
    let waitNs = 0;
    for (const tid of tids) {
      slices += s1.get(tid)!.slices - s0.get(tid)!.slices;
      waitNs += s1.get(tid)!.waitNs - s0.get(tid)!.waitNs;
    }
    const sum = all.reduce((a, e) => a + e.wait_ns, 0);
    ctx.diagnostic(
      `ours ${all.length} waits, Σ ${sum} ns; schedstat pcount ${slices}, run_delay ${waitNs} ns`,
    );
    assert.ok(slices > 100, `${slices} slices`);
    assert.ok(Math.abs(all.length - slices) <= 0.02 * slices + 3, `ours ${all.length} vs pcount ${slices}`);
    // The kernel starts a wait's clock when it queues the task, we at the tracepoint after it.
    assert.ok(Math.abs(sum - waitNs) <= 0.05 * waitNs, `ours Σ ${sum} ns vs run_delay ${waitNs} ns`);
    assert.ok(all.every((e) => e.pid === pid && tids.includes(e.tid)));

    // Above the threshold: those of every wait that were that long (a wait within 2% of the
    // threshold may fall either side: each tracer reads its own clock), all at least that.
    const slow = parse(r.slow.out);
    const over = all.filter((e) => e.lat_us >= THRESHOLD_US).length;
    const edge = all.filter((e) => Math.abs(e.lat_us - THRESHOLD_US) <= 0.02 * THRESHOLD_US).length;
    ctx.diagnostic(`≥ ${THRESHOLD_US} µs: ours ${slow.length}, of every wait ${over} (${edge} near it)`);
    assert.ok(slow.length > 10, r.slow.out);
    assert.ok(Math.abs(slow.length - over) <= edge + 2, `${slow.length} vs ${over}`);
    assert.ok(slow.every((e) => e.lat_us >= THRESHOLD_US));

    // libbpf-tools: its lines in the same layout, as many waits, the same median.
    assert.match(
      r.ref.out,
      /^Tracing run queue latency higher than 2000 us\nTIME {5}COMM {13}TID {11}LAT\(us\)\n/,
    );
    const ref = r.ref.out
      .split("\n")
      .map((l) => /^\d\d:\d\d:\d\d (.{16}) (\d+) +(\d+)$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => ({ tid: Number(m[2]), lat: Number(m[3]) }));
    ctx.diagnostic(`libbpf-tools ${ref.length} waits ≥ ${THRESHOLD_US} µs`);
    assert.ok(
      Math.abs(ref.length - slow.length) <= edge + 2,
      `libbpf-tools ${ref.length}, ours ${slow.length}`,
    );
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const [a, b] = [median(slow.map((e) => e.lat_us)), median(ref.map((e) => e.lat))];
    assert.ok(Math.abs(a - b) <= 0.05 * b, `median ${a} µs vs libbpf-tools ${b} µs`);

    // -t: one thread's waits only, as its pcount says; -P: who ran before it.
    const lines = r.thread.out.split("\n").slice(2, -1);
    const own = s1.get(spinner)!.slices - s0.get(spinner)!.slices;
    assert.ok(Math.abs(lines.length - own) <= 0.02 * own + 2, `-t ${lines.length} lines, pcount ${own}`);
    assert.match(
      r.thread.out,
      /^Tracing run queue latency higher than 1 us\nTIME {5}COMM {13}TID {11}LAT\(us\) PREV COMM {8}PREV TID\n/,
    );
    const fields = lines.map((l) => /^\d\d:\d\d:\d\d (.{16}) (\d+) +(\d+) (.{16}) (\d+) *$/.exec(l));
    assert.ok(
      fields.every((f) => f !== null && Number(f[2]) === spinner),
      r.thread.out,
    );
    // A task never follows itself on a CPU (a switch needs two).
    assert.ok(
      fields.every((f) => Number(f![5]) !== spinner && f![4].trim() !== ""),
      r.thread.out,
    );
  } finally {
    await w.stop();
  }
});

test("bad input: one error line and exit 2 (no such process: 1); as a non-root user: one line and exit 1", async () => {
  await assertBadInput("runqslower", [
    [["0"], 2, /^tsnap: min_us must be a positive whole number of µs, got '0'\n$/],
    [["1.5"], 2, /^tsnap: min_us must be a positive whole number of µs, got '1.5'\n$/],
    [["-p", "1", "-t", "1"], 2, /^tsnap: -p and -t: one at a time\n$/],
    [["1", "2"], 2, /^tsnap: /],
    [["-t", "4194304"], 1, /^tsnap: no thread with TID 4194304\n$/],
  ]);
});
