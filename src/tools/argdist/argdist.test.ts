// tsnap argdist against the func-calls workload (a parameter with a known value, raw
// getppid syscalls through libc's syscall(): known number, known return value) and
// bpftrace reading the same values on the same run; the specifier parser on bad input.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, test } from "node:test";
import { UsageError } from "../../errors.js";
import { assertBadInput, ours, parseHistText } from "../../testkit/bcc-tools.js";
import {
  bpftrace,
  bpftraceCounts,
  bpftraceHist,
  type FuncCalls,
  hasBpftrace,
  ROUND,
  startFuncCalls,
  startRounds,
} from "../../testkit/func-calls.js";
import { parseArgdistSpec, scalarType } from "./argdist-spec.js";

const root = process.getuid?.() === 0;
const built = existsSync(new URL("../../../../build/bpf/argdist.bpf.o", import.meta.url));
const skip = !root ? "needs root" : !built ? "build/bpf/argdist.bpf.o not built (scripts/setup.sh)" : false;
const skipRef = skip || (hasBpftrace() ? false : "bpftrace not installed (setup.sh --tests)");
const SYS_GETPPID = 110; // x86-64

/** "\tCOUNT  expr = value" rows of the -C block under `head`. */
function countBlock(text: string, head: string): Map<string, number> {
  const lines = text.split("\n");
  const at = lines.lastIndexOf(head);
  const out = new Map<string, number>();
  if (at < 0) return out;
  for (const l of lines.slice(at + 2)) {
    const m = /^\t(\d+)\s+(.* = -?\d+)$/.exec(l);
    if (!m) break;
    out.set(m[2], Number(m[1]));
  }
  return out;
}

let wl: FuncCalls | undefined;
before(async () => {
  if (!skip && process.arch === "x64") wl = await startFuncCalls();
});
after(async () => {
  await wl?.stop();
});

test("parameters, return values and tracepoint fields: the workload's values, bpftrace's counts", {
  skip: skipRef || (process.arch !== "x64" && "x86-64 syscall numbers"),
  timeout: 120_000,
}, async () => {
  const w = wl!;
  const p = String(w.pid);
  const specs = {
    caller: `p:${w.bin}:tsnap_fc_caller(long n):long:n`,
    nr: "c:syscall(long nr):long:nr",
    ret: "r:c:syscall():long:$retval#syscall returns",
    tp: "t:syscalls:sys_exit_getppid():s64:args->ret",
  };
  const ad = ours([
    "argdist",
    "-p",
    p,
    "-i",
    "600",
    "-C",
    specs.caller,
    "-C",
    specs.nr,
    "-C",
    specs.ret,
    "-H",
    specs.tp,
  ]);
  const ref = bpftrace(
    `uprobe:/proc/${p}/root/lib/x86_64-linux-gnu/libc.so.6:syscall /pid == ${p}/ { @nr[arg0] = count(); } ` +
      `tracepoint:syscalls:sys_exit_getppid /pid == ${p}/ { @ret = hist(args->ret); }`,
  );
  await Promise.all([ad.started, ref.started]);
  await w.round();
  const r = await ad.stop();
  const b = await ref.stop();
  assert.equal(r.code, 0, r.err);
  // Truth: tsnap_fc_caller(ROUND.count) once; syscall(SYS_getppid) ROUND.syscalls times,
  // each returning the workload's parent: this process.
  assert.deepEqual([...countBlock(r.out, specs.caller)], [[`n = ${ROUND.count}`, 1]], r.out);
  assert.deepEqual([...countBlock(r.out, specs.nr)], [[`nr = ${SYS_GETPPID}`, ROUND.syscalls]], r.out);
  assert.deepEqual(
    [...countBlock(r.out, "syscall returns")],
    [[`$retval = ${process.pid}`, ROUND.syscalls]],
    r.out,
  );
  const [h] = parseHistText(r.out.slice(r.out.lastIndexOf(specs.tp)));
  assert.equal(h.unit, "ret");
  const slot = Math.floor(Math.log2(process.pid));
  assert.equal(h.counts[slot], ROUND.syscalls, r.out);
  assert.equal(
    h.counts.reduce((a, n) => a + n, 0),
    ROUND.syscalls,
  );
  // bpftrace on the same run.
  assert.equal(bpftraceCounts(b.out).get(`nr[${SYS_GETPPID}]`), ROUND.syscalls, b.out);
  assert.deepEqual(bpftraceHist(b.out, "ret"), h.counts.slice(0, slot + 1), `${b.out}\n${r.out}`);
});

test("filters, USDT arguments and named parameters: the workload's values; bpftrace's on the same run", {
  skip: skipRef || (process.arch !== "x64" && "x86-64 registers"),
  timeout: 120_000,
}, async () => {
  // usdt-args.c: for i < N, tsnap:args(i, -i, ...), tsnap:mem(1000 + i from memory, i) and
  // read(zero, buf, 1024 * (1 + i % 8)) through libc's read.
  const N = 40;
  const w = await startRounds("usdt-args", [N]);
  try {
    const p = String(w.pid);
    const specs = {
      usdt: `u:${w.bin}:tsnap:args():long:arg2:arg1 % 3 == 0`,
      mem: `u:${w.bin}:tsnap:mem():long:arg1:arg2 >= 30#from memory`,
      read: "p:c:read(int fd, void *buf, size_t n):size_t:n:n > 1024 && n < 4096",
      tp: "t:syscalls:sys_enter_read():u64:count:count > 4096",
    };
    const ad = ours([
      "argdist",
      "-p",
      p,
      "-i",
      "600",
      "-C",
      specs.usdt,
      "-C",
      specs.mem,
      "-C",
      specs.read,
      "-H",
      specs.tp,
    ]);
    const ref = bpftrace(
      `usdt:${w.bin}:tsnap:args /pid == ${p} && arg0 % 3 == 0/ { @neg[arg1] = count(); } ` +
        `tracepoint:syscalls:sys_enter_read /pid == ${p} && args->count > 4096/ { @big = hist(args->count); }`,
    );
    await Promise.all([ad.started, ref.started]);
    await w.round();
    const r = await ad.stop();
    const b = await ref.stop();
    assert.equal(r.code, 0, r.err);
    const is = [...Array(N).keys()];
    const byValue = (vals: string[]) => vals.map((v) => [v, 1]).sort();
    assert.deepEqual(
      [...countBlock(r.out, specs.usdt)].sort(),
      byValue(is.filter((i) => i % 3 === 0).map((i) => `arg2 = ${-i}`)),
      r.out,
    );
    assert.deepEqual(
      [...countBlock(r.out, "from memory")].sort(),
      byValue(is.filter((i) => i >= 30).map((i) => `arg1 = ${1000 + i}`)),
      r.out,
    );
    assert.deepEqual(
      [...countBlock(r.out, specs.read)].sort(),
      [
        ["n = 2048", N / 8],
        ["n = 3072", N / 8],
      ],
      r.out,
    );
    const [h] = parseHistText(r.out.slice(r.out.lastIndexOf(specs.tp)));
    // 5120, 6144 and 7168 in [4096, 8191], 8192 in [8192, 16383]
    assert.deepEqual(h.counts.slice(12), [(3 * N) / 8, N / 8], r.out);
    assert.equal(
      h.counts.reduce((a, n) => a + n, 0),
      N / 2,
    );
    const theirs = bpftraceCounts(b.out);
    for (const i of is.filter((x) => x % 3 === 0)) assert.equal(theirs.get(`neg[${-i}]`), 1, b.out);
    assert.deepEqual(bpftraceHist(b.out, "big"), h.counts.slice(0, 14), `${b.out}\n${r.out}`);
  } finally {
    await w.stop();
  }
});

test("specifiers: bcc's simple forms parse; everything else is one UsageError", () => {
  const s = parseArgdistSpec("p:c:malloc(size_t size):size_t:size");
  assert.deepEqual(
    [s.probe.kind, s.probe.target, s.probe.name, s.params, s.type, s.expr, s.label],
    ["uprobe", "c", "malloc", [{ type: "size_t", name: "size" }], "size_t", "size", null],
  );
  const f = parseArgdistSpec("p:c:write(int fd, const void *buf, size_t n):size_t:n:n>1024#big");
  assert.deepEqual([f.expr, f.filterText, f.label, f.filter?.k], ["n", "n>1024", "big", "bin"]);
  const t = parseArgdistSpec("t:syscalls:sys_enter_read():u64:args->count#asked");
  assert.deepEqual([t.probe.kind, t.expr, t.label], ["tracepoint", "count", "asked"]);
  const r = parseArgdistSpec("r:/bin/x:f(const char *s, int n):int:$retval");
  assert.deepEqual(r.params, [
    { type: "const char *", name: "s" },
    { type: "int", name: "n" },
  ]);
  assert.deepEqual(scalarType("const char *"), { size: 8, signed: false });
  assert.deepEqual(scalarType("int"), { size: 4, signed: true });
  assert.equal(scalarType("struct foo"), null);
  const bad: [string, RegExp][] = [
    ["p:c:malloc", /no \(SIGNATURE\)/],
    ["p:c:malloc(size_t size)", /no :TYPE:EXPR/],
    ["p:c:malloc(size_t size):size_t:size:size>", /ends too early/],
    ["p:c:malloc(size_t size):size_t:size:", /empty filter/],
    ["u:/bin/x:p:n():u64:a", /USDT probe's values are arg1..argN/],
    ["u:/bin/x:p:n(int a):u64:arg1", /USDT probe takes no signature/],
    ["p:c:malloc(size_t size):struct x:size", /not a number type/],
    ["p:c:malloc(size_t size):u64:nope", /not a parameter/],
    ["p:c:malloc(size_t size):u64:$retval", /needs a return probe/],
    ["p:c:malloc(size_t size):u64:size,size", /one expression/],
    ["p:c:malloc(sizesize):u64:size", /bad parameter/],
    ["p:c:f(int a, int a):int:a", /declared twice/],
    ["p:c:f(int a,int b,int c,int d,int e,int f,int g):int:a", /at most 6/],
    ["t:sched:sched_switch(int x):int:x", /takes no signature/],
    ["t:sched:sched_switch():u64:a+b", /must be a parameter's name/],
    ["p:c:malloc(size_t size):u64:size#$(x)", /bad #label/],
    ["p:c:mal loc(size_t size):u64:size", /bad function/],
    ["p:c:malloc(size_t\nsize):u64:size", /control characters/],
  ];
  for (const [text, re] of bad)
    assert.throws(
      () => parseArgdistSpec(text),
      (e: unknown) => e instanceof UsageError && re.test(e.message),
      text,
    );
});

test("bad input through the command: one line, the exit code", { skip }, async () => {
  const cases: [string[], number, RegExp][] = [
    [[], 2, /no -C or -H SPEC/],
    [["-C", "p:c:malloc"], 2, /no \(SIGNATURE\)/],
    [["-H", "t:syscalls:sys_enter_read():u64:args->nope"], 1, /has no field 'nope'/],
    [["-H", "t:sched:sched_switch():u64:prev_comm"], 1, /is not a number/],
    [["-C", "k:vfs_read(int x):int:x"], 1, /kernel function probes/],
    [["-C", "t:syscalls:sys_enter_read():u64:count:nope > 1"], 1, /has no field 'nope'/],
    [["-C", "p:c:read(int fd):int:fd:fd = 1"], 2, /unexpected '=' at column 4/],
  ];
  await assertBadInput("argdist", cases, { needsRoot: false });
});
