// tsnap stackcount against the func-calls workload (a function called only through a
// known chain, raw getppid syscalls) and bpftrace's ustack/kstack counts of the same run.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, test } from "node:test";
import { assertBadInput, ours } from "../../testkit/bcc-tools.js";
import {
  bpftrace,
  bpftraceStacks,
  type FuncCalls,
  hasBpftrace,
  ROUND,
  startFuncCalls,
} from "../../testkit/func-calls.js";

const root = process.getuid?.() === 0;
const built = existsSync(new URL("../../../../build/bpf/stackcount.bpf.o", import.meta.url));
const skip = !root
  ? "needs root"
  : !built
    ? "build/bpf/stackcount.bpf.o not built (scripts/setup.sh)"
    : false;
const skipRef = skip || (hasBpftrace() ? false : "bpftrace not installed (setup.sh --tests)");

/** Folded lines → frames root first (comm dropped) and counts. */
function folded(text: string): { frames: string[]; count: number }[] {
  return text
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const sp = l.lastIndexOf(" ");
      return { frames: l.slice(0, sp).split(";").slice(1), count: Number(l.slice(sp + 1)) };
    });
}

let wl: FuncCalls | undefined;
before(async () => {
  if (!skip) wl = await startFuncCalls();
});
after(async () => {
  await wl?.stop();
});

test("user stacks of a uprobe and kernel stacks of a tracepoint: the workload's counts and chain, bpftrace's stacks", {
  skip: skipRef,
  timeout: 120_000,
}, async () => {
  const w = wl!;
  const p = String(w.pid);
  const user = ours(["stackcount", "-f", "-U", "-p", p, `${w.bin}:tsnap_fc_count`]);
  const kern = ours(["stackcount", "-f", "-K", "-p", p, "t:syscalls:sys_enter_getppid"]);
  const ref = bpftrace(
    `uprobe:${w.bin}:tsnap_fc_count /pid == ${p}/ { @u[ustack] = count(); } ` +
      `tracepoint:syscalls:sys_enter_getppid /pid == ${p}/ { @k[kstack] = count(); }`,
  );
  await Promise.all([user.started, kern.started, ref.started]);
  await w.round();
  const ru = await user.stop();
  const rk = await kern.stop();
  const b = await ref.stop();
  assert.equal(ru.code, 0, ru.err);
  assert.equal(rk.code, 0, rk.err);

  // Uprobe: every call, leaf tsnap_fc_count, its callers below it in the order the
  // workload calls (tsnap_fc_caller, a frame-pointer walk at the callee's first
  // instruction cannot see: the callee has not saved its frame yet; bpftrace neither).
  const us = folded(ru.out);
  assert.equal(
    us.reduce((a, s) => a + s.count, 0),
    ROUND.count,
    ru.out,
  );
  const top = us[0];
  assert.equal(top.frames.at(-1), "tsnap_fc_count", ru.out);
  const chain = ["main", "round_once", "tsnap_fc_count"];
  assert.deepEqual(
    top.frames.filter((f) => chain.includes(f)),
    chain,
    ru.out,
  );
  const theirsU = bpftraceStacks(b.out, "u");
  assert.equal(
    theirsU.reduce((a, s) => a + s.count, 0),
    ROUND.count,
    b.out,
  );
  // The same frames as bpftrace's ustack (leaf first there, root first in folded form).
  const big = theirsU.sort((x, y) => y.count - x.count)[0];
  assert.equal(big.count, top.count, `${b.out}\n${ru.out}`);
  assert.deepEqual([...top.frames].reverse(), big.frames.slice(0, top.frames.length), `${b.out}\n${ru.out}`);

  // Tracepoint, kernel stacks: every syscall; the frames are bpftrace's kstack without the
  // hook's own leading frames (perf_syscall_enter, __traceiter_...).
  const ks = folded(rk.out);
  assert.equal(
    ks.reduce((a, s) => a + s.count, 0),
    ROUND.syscalls,
    rk.out,
  );
  const theirsK = bpftraceStacks(b.out, "k");
  assert.equal(
    theirsK.reduce((a, s) => a + s.count, 0),
    ROUND.syscalls,
    b.out,
  );
  const kTop = ks.sort((x, y) => y.count - x.count)[0];
  const kRef = theirsK.sort((x, y) => y.count - x.count)[0];
  assert.ok(kTop.frames.includes("do_syscall_64"), rk.out);
  const leafFirst = [...kTop.frames].reverse();
  assert.deepEqual(
    kRef.frames.slice(kRef.frames.length - leafFirst.length),
    leafFirst,
    `${b.out}\n${rk.out}`,
  );
});

test("bad input: one line", { skip }, async () => {
  const cases: [string[], number, RegExp][] = [
    [["-U", "-K", "c:malloc"], 2, /-U and -K exclude each other/],
    [["c:a(b"], 2, /bad function/],
    [["k:vfs_read"], 1, /kernel function probes/],
    [[], 2, /no PATTERN/],
  ];
  await assertBadInput("stackcount", cases, { needsRoot: false });
});
