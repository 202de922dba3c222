// tsnap trace against what a workload does: the func-calls workload (a parameter with a
// known value, a known number of getppid syscalls through libc's syscall(), returning the
// workload's parent) and cat opening a path we choose (a tracepoint's user string).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { after, before, test } from "node:test";
import { UsageError } from "../../errors.js";
import { assertBadInput, ours } from "../../testkit/bcc-tools.js";
import {
  bpftrace,
  bpftraceCounts,
  type FuncCalls,
  hasBpftrace,
  ROUND,
  startFuncCalls,
  startRounds,
} from "../../testkit/func-calls.js";
import { formatMessage } from "./trace.js";
import { parseTraceSpec } from "./trace-spec.js";

const root = process.getuid?.() === 0;
const built = existsSync(new URL("../../../../build/bpf/trace.bpf.o", import.meta.url));
const skip = !root ? "needs root" : !built ? "build/bpf/trace.bpf.o not built (scripts/setup.sh)" : false;
const skipRef = skip || (hasBpftrace() ? false : "bpftrace not installed (setup.sh --tests)");

/** Rows of trace's output: pid, tid, comm, func, message. */
function rows(text: string): { pid: number; comm: string; func: string; msg: string }[] {
  return text
    .split("\n")
    .slice(1)
    .flatMap((l) => {
      const m = /^(\d+)\s+(\d+)\s+(.{15}) (\S+)\s+(.*)$/.exec(l);
      return m ? [{ pid: Number(m[1]), comm: m[3].trim(), func: m[4], msg: m[5] }] : [];
    });
}

let wl: FuncCalls | undefined;
before(async () => {
  if (!skip) wl = await startFuncCalls();
});
after(async () => {
  await wl?.stop();
});

test("a line per hit: parameters, return values, tracepoint numbers and user strings as the workload made them", {
  skip,
  timeout: 120_000,
}, async () => {
  const w = wl!;
  const p = String(w.pid);
  const tr = ours(
    [
      "trace",
      "-p",
      p,
      `${w.bin}:tsnap_fc_caller "n=%ld", arg1`,
      'r:c:syscall "ret=%d", retval',
      't:syscalls:sys_enter_getppid "nr=%d", args->__syscall_nr',
    ],
    "FUNC",
  );
  const path = `/tmp/tsnap-trace-test-${process.pid}-missing`;
  const files = ours(["trace", 't:syscalls:sys_enter_openat "%-5d %s", args->dfd, args->filename'], "FUNC");
  const json = ours(["trace", "--json", "-p", p, 'r:c:syscall "%d", retval'], "Ctrl-C to end.");
  await Promise.all([tr.started, files.started, json.started]);
  await new Promise((res) => setTimeout(res, 300));
  await w.round();
  for (let i = 0; i < 3; i++) spawnSync("cat", [path]);
  await new Promise((res) => setTimeout(res, 500));
  const r = await tr.stop();
  const f = await files.stop();
  const j = await json.stop();
  assert.equal(j.code, 0, j.err);
  const events = j.out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(events.length, ROUND.syscalls);
  assert.ok(
    events.every((e) => e.pid === w.pid && e.func === "syscall" && e.message === String(process.pid)),
  );
  assert.equal(r.code, 0, r.err);
  assert.equal(f.code, 0, f.err);
  const got = rows(r.out);
  assert.ok(got.every((x) => x.pid === w.pid));
  assert.deepEqual(
    got.filter((x) => x.func === "tsnap_fc_caller").map((x) => x.msg),
    [`n=${ROUND.count}`],
  );
  const rets = got.filter((x) => x.func === "syscall");
  assert.equal(rets.length, ROUND.syscalls, r.out.slice(0, 2000));
  assert.ok(rets.every((x) => x.msg === `ret=${process.pid}`));
  const nrs = got.filter((x) => x.func === "syscalls:sys_enter_getppid");
  assert.equal(nrs.length, ROUND.syscalls);
  assert.ok(nrs.every((x) => x.msg === "nr=110"));
  // cat opened our path once per run (AT_FDCWD = -100 as its dfd).
  const opens = rows(f.out).filter((x) => x.comm === "cat" && x.msg.endsWith(path));
  assert.equal(opens.length, 3, f.out.slice(-3000));
  assert.ok(
    opens.every((x) => x.msg === `-100  ${path}`),
    opens[0]?.msg,
  );
});

test("USDT arguments and filters, in the kernel: the workload's values; bpftrace counts the same hits", {
  skip: skipRef || (process.arch !== "x64" && "USDT operands are read on x86-64 only"),
  timeout: 120_000,
}, async () => {
  // usdt-args.c: for i < N, tsnap:args(i, -i, (short)(i*3), (u8)i, 42, NAMES[i % 4]),
  // tsnap:mem(1000 + i from memory, i) and read(2) of 1024 * (1 + i % 8) bytes.
  const N = 40;
  const NAMES = ["alpha", "beta", "gamma", "delta"];
  const w = await startRounds("usdt-args", [N]);
  try {
    const p = String(w.pid);
    const tr = ours(
      [
        "trace",
        "-p",
        p,
        `u:${w.bin}:tsnap:args (arg1 % 3 == 0 && arg6 != "delta") "%ld %d %d %u %d %s", arg1, arg2, arg3, arg4, arg5, arg6`,
        `u:${w.bin}:tsnap:mem (arg1 >= 1030) "%ld %ld", arg1, arg2`,
        't:syscalls:sys_enter_read (args->count > 4096) "%lu", args->count',
      ],
      "FUNC",
    );
    const ref = bpftrace(
      `usdt:${w.bin}:tsnap:args /pid == ${p} && arg0 % 3 == 0 && str(arg5) != "delta"/ { @args = count(); } ` +
        `tracepoint:syscalls:sys_enter_read /pid == ${p} && args->count > 4096/ { @reads[args->count] = count(); }`,
    );
    await Promise.all([tr.started, ref.started]);
    await w.round();
    await new Promise((res) => setTimeout(res, 300));
    const r = await tr.stop();
    const b = await ref.stop();
    assert.equal(r.code, 0, r.err);
    const got = rows(r.out);
    const is = [...Array(N).keys()];
    assert.deepEqual(
      got.filter((x) => x.func === "tsnap:args").map((x) => x.msg),
      is
        .filter((i) => i % 3 === 0 && i % 4 !== 3)
        .map((i) => `${i} ${-i} ${i * 3} ${i & 0xff} 42 ${NAMES[i % 4]}`),
    );
    assert.deepEqual(
      got.filter((x) => x.func === "tsnap:mem").map((x) => x.msg),
      is.filter((i) => i >= 30).map((i) => `${1000 + i} ${i}`),
    );
    const reads = got.filter((x) => x.func === "syscalls:sys_enter_read").map((x) => x.msg);
    assert.deepEqual(
      reads,
      is
        .map((i) => 1024 * (1 + (i % 8)))
        .filter((n) => n > 4096)
        .map(String),
    );
    const theirs = bpftraceCounts(b.out);
    assert.equal(theirs.get("args"), got.filter((x) => x.func === "tsnap:args").length, b.out);
    for (const n of [5120, 6144, 7168, 8192])
      assert.equal(theirs.get(`reads[${n}]`), reads.filter((x) => x === String(n)).length, b.out);
  } finally {
    await w.stop();
  }
});

test("specs: formats and arguments parse; bad ones are one UsageError", () => {
  const s = parseTraceSpec('t:syscalls:sys_enter_openat "%s (%-4d) 100%%\\n", args->filename, args->dfd');
  assert.deepEqual(s.pieces, ["", " (", ") 100%\n"]);
  assert.deepEqual(
    s.convs.map((c) => [c.conv, c.size, c.width]),
    [
      ["s", 4, 0],
      ["d", 4, -4],
    ],
  );
  assert.equal(formatMessage(s, [0n, 2n ** 64n - 100n], ["/etc/x", ""]), "/etc/x (-100) 100%\n");
  const u = parseTraceSpec('r:c:malloc "%p %lx %hhu %c", retval, retval, retval, retval');
  assert.equal(formatMessage(u, [0x141n, 0x141n, 0x141n, 0x141n], []), "0x141 141 65 A");
  assert.equal(parseTraceSpec("c:malloc").convs.length, 0);
  const f = parseTraceSpec('p:c:open (arg2 == 1 && arg1 != ")") "%s", arg1');
  assert.deepEqual([f.filterText, f.args, f.filter?.k], ['arg2 == 1 && arg1 != ")"', ["arg1"], "bin"]);
  assert.equal(parseTraceSpec("c:malloc(arg1>16)").filterText, "arg1>16");
  assert.equal(
    parseTraceSpec("t:syscalls:sys_enter_read (args->count > 4096)").filterText,
    "args->count > 4096",
  );
  const bad: [string, RegExp][] = [
    ['c:malloc "%d"', /1 conversions but 0 arguments/],
    ['c:malloc "%d", arg1, arg2', /1 conversions but 2/],
    ['c:malloc "%q", arg1', /bad conversion/],
    ['c:malloc "%d", arg7', /bad argument 'arg7'/],
    ['c:malloc "%d", retval', /needs a return probe/],
    ['c:malloc "%d", args->x', /for tracepoints/],
    ['t:a:b "%d", arg1', /args->FIELD/],
    ["c:malloc(int x)", /signatures/],
    ["c:malloc(const char *s, int n) (n > 0)", /signatures/],
    ['c:malloc (arg1 > ) "%d", arg1', /filter .arg1 > .: expression ends too early at column 8/],
    ['c:malloc (arg1 > 0 "%d", arg1', /not closed/],
    ['c:malloc "%d" arg1', /expected ', ARG'/],
    ["c:malloc %d", /FORMAT/],
    ['c:malloc "\\q"', /unknown escape/],
    ['c:malloc "%d%d%d%d%d%d%d", arg1, arg1, arg1, arg1, arg1, arg1, arg1', /at most 6/],
    ["c:mal loc", /FORMAT/],
  ];
  for (const [text, re] of bad)
    assert.throws(
      () => parseTraceSpec(text),
      (e: unknown) => e instanceof UsageError && re.test(e.message),
      text,
    );
});

test("bad input through the command: one line, the exit code", { skip }, async () => {
  const cases: [string[], number, RegExp][] = [
    [[], 2, /no PROBE/],
    [['c:malloc "%d"'], 2, /conversions/],
    [['t:syscalls:sys_enter_openat "%s", args->nope'], 1, /has no field 'nope'/],
    [['t:syscalls:sys_enter_openat "%s", args->dfd'], 1, /is not a string/],
    [["k:vfs_read"], 1, /kernel function probes/],
    [["t:syscalls:sys_enter_read (args->nope > 1)"], 1, /has no field 'nope'/],
    [['t:syscalls:sys_enter_read (args->count == "x")'], 1, /is not a string/],
    [["c:malloc (arg1 >>> 2)"], 2, /unexpected '>' at column/],
  ];
  await assertBadInput("trace", cases, { needsRoot: false });
});
