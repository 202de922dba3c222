// tsnap runqlen against a run queue we build: four threads that never sleep, all pinned
// to CPU 0 (test/workloads/spin.c under taskset), so that CPU 0's queue holds three
// waiting tasks (or more) at nearly every sample; and the number of samples against the
// frequency asked for. libbpf-tools' runqlen does not load on 6.18 (cfs_rq.nr_running is
// gone): side by side only where it loads.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { promisify } from "node:util";
import { liveCount } from "../../bpf/handles.js";
import { onlineCpus } from "../../platform/cpus.js";
import { assertBadInput, libbpfTool, libbpfToolSkip } from "../../testkit/bcc-tools.js";
import { runCli } from "../../testkit/cli.js";
import { compileWorkload, REPO_ROOT, startWorkload } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/runqlen.bpf.o`);
const skip = !root
  ? "needs root"
  : !built
    ? "build/bpf/runqlen.bpf.o not built (scripts/setup.sh)"
    : !onlineCpus().includes(0)
      ? "CPU 0 is offline"
      : false;
const SPINNERS = 4;

interface JsonReport {
  cpu: number;
  samples: number;
  runqocc: number;
  lengths: { len: number; count: number }[];
}

test("four spinners on CPU 0: CPU 0's queue holds three or more at nearly every sample, at the asked rate", {
  skip,
  timeout: 60_000,
}, async () => {
  const handles = liveCount();
  const spin = compileWorkload("spin");
  const w = await startWorkload("taskset", ["-c", "0", spin, String(SPINNERS), "20"]);
  try {
    const hz = 199;
    // Each stops by itself after its one report.
    const [j, t, o] = await Promise.all([
      runCli(["runqlen", "-C", "-f", String(hz), "--json", "2", "1"]),
      runCli(["runqlen", "-C", "2", "1"]),
      runCli(["runqlen", "-O", "-C", "-T", "2", "1"]),
    ]);
    for (const r of [j, t, o]) assert.equal(r.code, 0, r.stderr);
    const cpu0 = j.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as JsonReport)
      .find((r) => r.cpu === 0)!;
    // 2 s at 199 Hz: about 398 samples (the timer's own jitter and the report's instant).
    assert.ok(cpu0.samples >= 0.8 * 2 * hz && cpu0.samples <= 1.2 * 2 * hz, `${cpu0.samples} samples`);
    const waiting3 = cpu0.lengths.filter((l) => l.len >= SPINNERS - 1).reduce((a, l) => a + l.count, 0);
    assert.ok(waiting3 >= 0.8 * cpu0.samples, `three or more waiting in ${waiting3} of ${cpu0.samples}`);
    assert.ok(cpu0.runqocc >= 0.9, `occupancy ${cpu0.runqocc}`);

    // Text: "cpu = N" then libbpf-tools' linear histogram; CPU 0's mode at 3 or more.
    const hists = parseLinear(t.stdout);
    assert.equal(hists[0].cpu, 0);
    const mode = hists[0].rows.reduce((a, b) => (b.count > a.count ? b : a));
    assert.ok(mode.len >= SPINNERS - 1, t.stdout);
    assert.match(
      t.stdout,
      /^Sampling run queue length\.\.\. Hit Ctrl-C to end\.\n\ncpu = 0\n {5}runqlen {7}: count {5}distribution\n/,
    );
    // -O -C -T: a time line, then one occupancy line per CPU.
    assert.match(o.stdout, /\n\d\d:\d\d:\d\d\nrunqocc, CPU 0 +\d+\.\d\d%\n/);
    const occ0 = Number(/runqocc, CPU 0 +([\d.]+)%/.exec(o.stdout)![1]);
    assert.ok(occ0 >= 90, o.stdout);
    assert.equal(liveCount(), handles, "every BPF object and link closed");
  } finally {
    await w.stop();
  }
});

/** The histograms of `runqlen -C` text: per "cpu = N", its rows (length, count). */
function parseLinear(text: string): { cpu: number; rows: { len: number; count: number }[] }[] {
  const out: { cpu: number; rows: { len: number; count: number }[] }[] = [];
  for (const line of text.split("\n")) {
    const c = /^cpu = (\d+)$/.exec(line);
    if (c) out.push({ cpu: Number(c[1]), rows: [] });
    const r = /^ {8}(\d+) +: (\d+) +\|/.exec(line);
    if (r) out.at(-1)!.rows.push({ len: Number(r[1]), count: Number(r[2]) });
  }
  return out;
}

test("side by side with libbpf-tools' runqlen", {
  skip: skip || libbpfToolSkip("runqlen", ["1", "1"]),
  timeout: 30_000,
}, async () => {
  const spin = compileWorkload("spin");
  const w = await startWorkload("taskset", ["-c", "0", spin, String(SPINNERS), "20"]);
  try {
    const [x, y] = await Promise.all([
      runCli(["runqlen", "-C", "2", "1"]),
      promisify(execFile)(libbpfTool("runqlen")!, ["-C", "2", "1"]),
    ]);
    const mode = (t: string) => parseLinear(t)[0].rows.reduce((p, q) => (q.count > p.count ? q : p)).len;
    assert.ok(Math.abs(mode(x.stdout) - mode(y.stdout)) <= 1, `${x.stdout}\n${y.stdout}`);
  } finally {
    await w.stop();
  }
});

test("bad input: one error line and exit 2; as a non-root user: one line and exit 1", async () => {
  await assertBadInput("runqlen", [
    [["-f", "0"], /^tsnap: -f must be at least 1, got 0\n$/],
    [["0"], /^tsnap: interval must be a positive number, got '0'\n$/],
    [["1", "x"], /^tsnap: count must be a positive whole number, got 'x'\n$/],
    [["1", "2", "3"], /^tsnap: unexpected argument '3'\n$/],
  ]);
});
