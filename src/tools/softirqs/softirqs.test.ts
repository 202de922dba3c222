// tsnap softirqs against the kernel's own count of soft interrupts (/proc/softirqs, per
// vector, over the same window) and side by side with libbpf-tools' softirqs on the same
// run. The workload is 3000 O_DIRECT 4 KiB reads of a file (dd): each completion raises a
// block softirq; the timer, scheduler and RCU vectors run as they come.
import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { after, before, test } from "node:test";
import {
  assertBadInput,
  assertNeedsRoot,
  libbpfToolSkip,
  ours,
  parseHistText,
  percentileSlot,
  theirs,
} from "../../testkit/bcc-tools.js";
import { runCli, TSNAP_BIN } from "../../testkit/cli.js";
import { readSoftirqs } from "../../testkit/irq-counters.js";
import { irqWindow, writeIrqFile } from "../../testkit/irq-window.js";
import { REPO_ROOT } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/softirqs.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/softirqs.bpf.o not built (scripts/setup.sh)" : false;
const FILE = "/var/tmp/tsnap-softirqs-test.dat";
const READS = 3000;

before(async () => {
  if (!skip) await writeIrqFile(FILE);
});

after(() => rmSync(FILE, { force: true }));

/** Runs counted while tracing, against the kernel's count over a window a few ms apart. */
const near = (ours: number, truth: number) => Math.abs(ours - truth) <= 5 + 0.02 * truth;

/** The totals table's rows: name → [time, count?]. */
function table(text: string): Map<string, number[]> {
  const rows = text
    .split("\n")
    .map((l) => /^([a-z_]+) +(\d+)(?: +(\d+))?$/.exec(l))
    .filter((m) => m !== null);
  return new Map(rows.map((m) => [m[1], m.slice(2).filter(Boolean).map(Number)]));
}

test("per vector, the runs /proc/softirqs counted; the block vector as libbpf-tools' -d", {
  skip: skip || libbpfToolSkip("softirqs", ["1", "1"]),
  timeout: 90_000,
}, async (ctx) => {
  // Theirs first: ours attach last, right before the first read of the counters, and stop
  // right after the second, so the windows differ by milliseconds.
  const { truth, wide, m, r } = await irqWindow({
    read: readSoftirqs,
    file: FILE,
    reads: READS,
    refs: () => ({ refTimes: theirs("softirqs", []), refDist: theirs("softirqs", ["-d"]) }),
    mine: () => ({
      text: ours(["softirqs", "-d"]),
      json: ours(["softirqs", "-N", "--json"], "Tracing soft irq"),
    }),
    counter: () => ({ counts: ours(["softirqs", "-C"]) }),
  });

  // Every vector: our count (-C's second column) is the kernel's.
  const counts = table(m.counts.out);
  ctx.diagnostic(`/proc/softirqs ${JSON.stringify([...truth])}; ours -C ${JSON.stringify([...counts])}`);
  for (const name of new Set([...truth.keys(), ...counts.keys()]))
    assert.ok(
      near(counts.get(name)?.[1] ?? 0, truth.get(name) ?? 0),
      `${name}: ours ${counts.get(name)?.[1]}, kernel ${truth.get(name)}`,
    );
  assert.ok((truth.get("block") ?? 0) >= 0.9 * READS, `block: ${truth.get("block")} for ${READS} reads`);
  assert.match(m.counts.out, /\n\nSOFTIRQ {10}TOTAL_usecs {2}TOTAL_count\n/);

  // --json -N: one object per vector, its count the histogram's sum, its unit nsecs.
  const rows = m.json.out
    .trim()
    .split("\n")
    .map(
      (l) => JSON.parse(l) as { softirq: string; unit: string; count: number; slots: { count: number }[] },
    );
  for (const row of rows) {
    assert.equal(row.unit, "nsecs");
    assert.equal(
      row.count,
      row.slots.reduce((a, s) => a + s.count, 0),
    );
    // Attached before -C's tracer (its window is longer): at least the kernel's count.
    assert.ok(row.count >= (truth.get(row.softirq) ?? 0) - 5, `--json ${row.softirq}: ${row.count}`);
  }

  // libbpf-tools: the same vectors in the totals table, in its layout; -d (attached first,
  // stopped last: a wider window, around which /proc/softirqs was read too): the block
  // vector's histogram with at least ours' count and at most the kernel's over its
  // window, and percentiles within one slot of ours.
  assert.match(r.refTimes.out, /\n\nSOFTIRQ {10}TOTAL_usecs\n/);
  assert.ok(table(r.refTimes.out).has("block"), r.refTimes.out);
  const hist = (text: string) => parseHistText(text).find((h) => h.head === "softirq = block");
  const [a, b] = [hist(m.text.out), hist(r.refDist.out)];
  assert.ok(a && b, `${m.text.out}\n${r.refDist.out}`);
  const sum = (c: number[]) => c.reduce((x, y) => x + y, 0);
  ctx.diagnostic(
    `block: kernel ${truth.get("block")}, ours -d ${sum(a.counts)}; libbpf-tools -d ${sum(b.counts)}, kernel over its window ${wide.get("block")}`,
  );
  assert.ok(sum(a.counts) >= truth.get("block")! - 5, m.text.out);
  assert.ok(sum(b.counts) >= sum(a.counts) - 5 && sum(b.counts) <= wide.get("block")! + 5, r.refDist.out);
  for (const p of [0.5, 0.9]) {
    const [s, t] = [percentileSlot(a.counts, p), percentileSlot(b.counts, p)];
    assert.ok(Math.abs(s - t) <= 1, `p${p * 100}: slot ${s} vs ${t}\n${m.text.out}\n${r.refDist.out}`);
  }
  // Vectors in number order, each histogram followed by an empty line, as libbpf-tools.
  const order = [...m.text.out.matchAll(/^softirq = (\w+)$/gm)].map((x) => x[1]);
  assert.deepEqual(
    order,
    ["hi", "timer", "net_tx", "net_rx", "block", "irq_poll", "tasklet", "sched", "hrtimer", "rcu"].filter(
      (v) => order.includes(v),
    ),
  );
  assert.match(m.text.out, /\|\n\n(softirq = |$)/);
});

test("-c CPU, interval reports with -T; bad input: one error line and exit 2; as a non-root user: one line and exit 1", {
  timeout: 30_000,
}, async () => {
  await assertBadInput(
    "softirqs",
    [
      [["-C", "-d"], 2, /^tsnap: -C and -d: one at a time\n$/],
      [["1", "x"], 2, /^tsnap: count must be a positive whole number, got 'x'\n$/],
      [["-c", "4000"], 1, /^tsnap: -c: CPU 4000 is not online\n$/],
    ],
    { needsRoot: false },
  );
  if (skip) return;
  // Two 0.5 s reports of CPU 0's softirqs, each an empty line, the time, the table.
  const res = await runCli(["softirqs", "-T", "-C", "-c", "0", "0.5", "2"]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(
    res.stdout,
    /^Tracing soft irq event time\.\.\. Hit Ctrl-C to end\.\n(\n\d\d:\d\d:\d\d\nSOFTIRQ {10}TOTAL_usecs {2}TOTAL_count\n([a-z_]+ +\d+ +\d+\n)*){2}$/,
  );
  assertNeedsRoot("softirqs", TSNAP_BIN);
});
