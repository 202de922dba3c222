// tsnap funclatency against the func-calls workload (functions that spin a known time on
// CLOCK_MONOTONIC, so no call can be shorter) and bpftrace timing the same run.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, test } from "node:test";
import { assertBadInput, ours, parseHistText } from "../../testkit/bcc-tools.js";
import {
  bpftrace,
  bpftraceHist,
  type FuncCalls,
  hasBpftrace,
  ROUND,
  SPIN_US,
  startFuncCalls,
} from "../../testkit/func-calls.js";
import { averageLine } from "./funclatency.js";

const root = process.getuid?.() === 0;
const built = existsSync(new URL("../../../../build/bpf/funclatency.bpf.o", import.meta.url));
const skip = !root
  ? "needs root"
  : !built
    ? "build/bpf/funclatency.bpf.o not built (scripts/setup.sh)"
    : false;
const skipRef = skip || (hasBpftrace() ? false : "bpftrace not installed (setup.sh --tests)");

const total = (c: readonly number[]) => c.reduce((a, b) => a + b, 0);
const mode = (c: readonly number[]) => c.indexOf(Math.max(...c));
const firstSlot = (c: readonly number[]) => c.findIndex((n) => n > 0);
/** bcc's log2 slot of a value. */
const slotOf = (v: number) => (v <= 1 ? 0 : Math.floor(Math.log2(v)));

let wl: FuncCalls | undefined;
before(async () => {
  if (!skip) wl = await startFuncCalls();
});
after(async () => {
  await wl?.stop();
});

test("histograms: every call counted, none below its spin time's slot, the same slots as bpftrace's", {
  skip: skipRef,
  timeout: 120_000,
}, async () => {
  const w = wl!;
  const p = String(w.pid);
  const perFunc = ours(["funclatency", "-F", "-u", "-p", p, "-r", `${w.bin}:^tsnap_fc_(short|long)$`]);
  const ns = ours(["funclatency", "-p", p, `${w.bin}:tsnap_fc_long`]);
  const ms = ours(["funclatency", "-m", "-p", p, `p:${w.bin}:tsnap_fc_long`]);
  const time = (f: string, v: string) =>
    `uprobe:${w.bin}:${f} /pid == ${p}/ { @s${v}[tid] = nsecs; } ` +
    `uretprobe:${w.bin}:${f} /pid == ${p} && @s${v}[tid]/ { @${v} = hist((nsecs - @s${v}[tid]) / 1000); delete(@s${v}[tid]); }`;
  const ref = bpftrace(`${time("tsnap_fc_short", "short")} ${time("tsnap_fc_long", "long")}`);
  await Promise.all([perFunc.started, ns.started, ms.started, ref.started]);
  await w.round();
  const r = await perFunc.stop();
  const rn = await ns.stop();
  const rm = await ms.stop();
  const b = await ref.stop();
  for (const x of [r, rn, rm]) assert.equal(x.code, 0, x.err);

  const hists = parseHistText(r.out);
  const byName = new Map(hists.map((h) => [h.head.replace("Function = ", ""), h.counts]));
  assert.equal(hists.length, 2, r.out);
  for (const [f, n, us] of [
    ["short", ROUND.short, SPIN_US.short],
    ["long", ROUND.long, SPIN_US.long],
  ] as const) {
    const c = byName.get(`tsnap_fc_${f}`)!;
    assert.ok(c, r.out);
    assert.equal(total(c), n, `${f}: every call\n${r.out}`);
    assert.ok(firstSlot(c) >= slotOf(us), `${f}: no call under ${us} µs\n${r.out}`);
    assert.equal(mode(c), slotOf(us), `${f}: most calls in ${us} µs's slot\n${r.out}`);
    const theirs = bpftraceHist(b.out, f);
    assert.equal(total(theirs), n, `bpftrace ${f}\n${b.out}`);
    assert.equal(mode(theirs), mode(c), `${f}: bpftrace's mode\n${b.out}\n${r.out}`);
    assert.ok(
      Math.abs(c[mode(c)] - theirs[mode(c)]) <= Math.max(2, n * 0.1),
      `${f}: calls in the slot, ours ${c[mode(c)]} bpftrace ${theirs[mode(c)]}\n${b.out}\n${r.out}`,
    );
  }
  const avg = /^avg = (\d+) usecs, total: (\d+) usecs, count: (\d+)$/m.exec(r.out);
  assert.ok(avg, r.out);
  assert.equal(Number(avg[3]), ROUND.short + ROUND.long);
  assert.ok(Number(avg[2]) >= ROUND.short * SPIN_US.short + ROUND.long * SPIN_US.long, r.out);

  // Default unit: nanoseconds; -m: milliseconds (300 µs is in slot 0, "0 -> 1").
  const [hn] = parseHistText(rn.out);
  assert.equal(hn.unit, "nsecs");
  assert.equal(total(hn.counts), ROUND.long, rn.out);
  assert.ok(firstSlot(hn.counts) >= slotOf(SPIN_US.long * 1000), rn.out);
  assert.equal(mode(hn.counts), slotOf(SPIN_US.long * 1000), rn.out);
  const [hm] = parseHistText(rm.out);
  assert.equal(hm.unit, "msecs");
  assert.ok(hm.counts[0] >= ROUND.long - 2, rm.out);
  assert.equal(total(hm.counts), ROUND.long, rm.out);
});

test("bad input: one line; tracepoints and kernel functions refused", { skip }, async () => {
  const cases: [string[], number, RegExp][] = [
    [["-u", "-m", "c:malloc"], 2, /-u and -m exclude each other/],
    [["t:sched:sched_switch"], 2, /does not take tracepoints/],
    [["c:ma lloc"], 2, /bad function/],
    [["kr:vfs_read"], 1, /kernel function probes/],
    [[], 2, /no PATTERN/],
  ];
  await assertBadInput("funclatency", cases, { needsRoot: false });
});

test("average line: bcc's words, integer division in the histogram's unit", () => {
  const d = (total: number, sumNs: number) => ({ total, sumNs }) as never;
  assert.equal(
    averageLine([d(3, 10_500), d(1, 1_000)], "usecs", 1000),
    "\navg = 2 usecs, total: 11 usecs, count: 4\n\n",
  );
  assert.equal(averageLine([], "nsecs", 1), "");
});
