// tsnap funccount against the func-calls workload (functions called a known number of
// times, raw getppid syscalls) and bpftrace counting the same run; bad patterns give one
// line and the documented exit code.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { elfUsdtNotes } from "../../platform/elf.js";
import { ours } from "../../testkit/bcc-tools.js";
import { runCli } from "../../testkit/cli.js";
import {
  bpftrace,
  bpftraceCounts,
  type FuncCalls,
  hasBpftrace,
  ROUND,
  startFuncCalls,
} from "../../testkit/func-calls.js";
import { compileWorkload, startWorkload } from "../../testkit/workloads.js";
import { renderCounts } from "./funccount.js";

const root = process.getuid?.() === 0;
const built = existsSync(new URL("../../../../build/bpf/funccount.bpf.o", import.meta.url));
const skip = !root ? "needs root" : !built ? "build/bpf/funccount.bpf.o not built (scripts/setup.sh)" : false;
const skipRef = skip || (hasBpftrace() ? false : "bpftrace not installed (setup.sh --tests)");

/** FUNC → COUNT of each report in funccount's text. */
function reports(text: string): Map<string, number>[] {
  return text
    .split(/^FUNC +COUNT$/m)
    .slice(1)
    .map((block) => {
      const m = new Map<string, number>();
      for (const line of block.split("\n")) {
        const r = /^(\S+)\s+(\d+)$/.exec(line);
        if (r) m.set(r[1], Number(r[2]));
      }
      return m;
    });
}

let wl: FuncCalls | undefined;
before(async () => {
  if (!skip) wl = await startFuncCalls();
});
after(async () => {
  await wl?.stop();
});

test("counts equal the workload's calls and bpftrace's on the same run (uprobes, libc, tracepoint)", {
  skip: skipRef,
  timeout: 120_000,
}, async () => {
  const w = wl!;
  const p = String(w.pid);
  const fc = ours(["funccount", "-p", p, `${w.bin}:tsnap_fc_*`, "c:syscall", "t:syscalls:sys_enter_getppid"]);
  const ref = bpftrace(
    `uprobe:${w.bin}:tsnap_fc_* /pid == ${p}/ { @[probe] = count(); } ` +
      `uprobe:/proc/${p}/root${"/lib/x86_64-linux-gnu/libc.so.6"}:syscall /pid == ${p}/ { @[probe] = count(); } ` +
      `tracepoint:syscalls:sys_enter_getppid /pid == ${p}/ { @[probe] = count(); }`,
  );
  await Promise.all([fc.started, ref.started]);
  await w.round();
  const r = await fc.stop();
  const b = await ref.stop();
  assert.equal(r.code, 0, r.err);
  const reps = reports(r.out);
  assert.equal(reps.length, 1, r.out);
  const got = reps[0];
  // The workload's truth.
  assert.equal(got.get("tsnap_fc_short"), ROUND.short, r.out);
  assert.equal(got.get("tsnap_fc_long"), ROUND.long, r.out);
  assert.equal(got.get("tsnap_fc_count"), ROUND.count, r.out);
  assert.equal(got.get("tsnap_fc_caller"), 1, r.out);
  assert.equal(got.get("syscall"), ROUND.syscalls, r.out);
  assert.equal(got.get("syscalls:sys_enter_getppid"), ROUND.syscalls, r.out);
  // bpftrace's counts of the same run, probe by probe.
  const theirs = bpftraceCounts(b.out);
  for (const f of ["tsnap_fc_short", "tsnap_fc_long", "tsnap_fc_count", "tsnap_fc_caller"])
    assert.equal(got.get(f), theirs.get(`[uprobe:${w.bin}:${f}]`), `${f}\n${b.out}`);
  assert.equal(
    got.get("syscalls:sys_enter_getppid"),
    theirs.get("[tracepoint:syscalls:sys_enter_getppid]"),
    b.out,
  );
  const libc = [...theirs].find(([k]) => k.endsWith(":syscall]"));
  assert.equal(got.get("syscall"), libc?.[1], b.out);
  // Sorted as bcc: least first.
  const counts = [...got.values()];
  assert.deepEqual(
    counts,
    [...counts].sort((a, b) => a - b),
  );
});

test("-i: one report per interval, each counting only its own rounds (patterns, -r)", {
  skip,
  timeout: 120_000,
}, async () => {
  const w = wl!;
  const fc = ours([
    "funccount",
    "-p",
    String(w.pid),
    "-i",
    "1.5",
    "-T",
    "-r",
    `${w.bin}:^tsnap_fc_(short|count)$`,
  ]);
  await fc.started;
  await w.round();
  await new Promise((res) => setTimeout(res, 1600));
  await w.round();
  await w.round();
  await new Promise((res) => setTimeout(res, 1600));
  const r = await fc.stop();
  assert.equal(r.code, 0, r.err);
  const reps = reports(r.out).filter((m) => m.size > 0);
  const total = reps.reduce((a, m) => a + (m.get("tsnap_fc_count") ?? 0), 0);
  assert.equal(total, 3 * ROUND.count, r.out);
  assert.ok(reps.length >= 2, r.out);
  for (const m of reps) {
    assert.equal((m.get("tsnap_fc_count") ?? 0) % ROUND.count, 0, r.out);
    assert.equal(m.get("tsnap_fc_count")! / ROUND.count, m.get("tsnap_fc_short")! / ROUND.short, r.out);
    assert.ok(!m.has("tsnap_fc_long"), r.out);
  }
  assert.match(r.out, /^\d\d:\d\d:\d\d\s*$/m);
});

test("bad patterns: one line, exit 2 for malformed input, 1 for what is not there", { skip }, async () => {
  const cases: [string[], number, RegExp][] = [
    [["funccount", "c:a b"], 2, /^tsnap: probe 'c:a b': bad function/],
    [["funccount", "q:x:y"], 2, /unknown probe type 'q'/],
    [["funccount", "c:*"], 2, /more than 1000/],
    [["funccount"], 2, /no PATTERN/],
    [["funccount", "-r", "c:(a)\\1"], 2, /backtracking/],
    [["funccount", "k:vfs_read"], 1, /kernel function probes .* not supported here/],
    [["funccount", "vfs_read"], 1, /kernel function probes/],
    [["funccount", "no-such-lib-xyz:f"], 1, /no such file, library or program/],
    [["funccount", "c:no_such_function_xyz"], 1, /no function matches/],
    [["funccount", "t:no_such_cat:x"], 1, /no tracepoint matches/],
  ];
  for (const [argv, code, re] of cases) {
    const r = await runCli(argv);
    assert.equal(r.code, code, `${argv.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.equal(r.stdout, "");
  }
});

test("report layout: least first, zero counts left out, the time line with -T", () => {
  const text = renderCounts(
    [
      { name: "b", count: 5 },
      { name: "a", count: 0 },
      { name: "c", count: 2 },
    ],
    new Date(2026, 0, 1, 9, 8, 7),
  );
  assert.deepEqual(text.split("\n"), [
    "",
    "09:08:07",
    `FUNC${" ".repeat(32)}    COUNT`,
    `c${" ".repeat(35)}        2`,
    `b${" ".repeat(35)}        5`,
    "",
  ]);
});

test("USDT: notes as readelf reads them; counts equal the probes fired and bpftrace's; the semaphore is set while attached", {
  skip: skipRef,
  timeout: 120_000,
}, async () => {
  const bin = compileWorkload("usdt-probes");
  // The notes, against binutils' readelf.
  const re =
    /Provider: (\S+)\n\s+Name: (\S+)\n\s+Location: 0x([0-9a-f]+), Base: 0x[0-9a-f]+, Semaphore: 0x([0-9a-f]+)/g;
  const theirs = [...execFileSync("readelf", ["-n", bin], { encoding: "utf8" }).matchAll(re)].map((m) => [
    m[1],
    m[2],
    Number.parseInt(m[3], 16),
    Number.parseInt(m[4], 16),
  ]);
  const notes = elfUsdtNotes(readFileSync(bin)).map((n) => [n.provider, n.name, n.pc, n.semaphore]);
  assert.deepEqual(notes, theirs);
  assert.equal(notes.length, 2);

  const TICKS = 700;
  const GUARDED = 300;
  const w = await startWorkload(bin, [String(TICKS), String(GUARDED)]);
  const done: number[] = [];
  let buf = "";
  w.child.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
      const m = /^done (\d+)$/.exec(buf.slice(0, nl));
      if (m) done.push(Number(m[1]));
      buf = buf.slice(nl + 1);
    }
  });
  const round = async () => {
    const want = done.length + 1;
    process.kill(Number(w.ready[1]), "SIGUSR1");
    for (let t0 = Date.now(); done.length < want; await new Promise((r) => setTimeout(r, 20)))
      if (Date.now() - t0 > 20_000) throw new Error("usdt-probes did not finish its round");
    return done[want - 1];
  };
  try {
    const p = w.ready[1];
    assert.equal(await round(), 0, "no tracer: the guarded probe does not fire");
    const fc = ours(["funccount", "-p", p, `u:${bin}:tsnap:*`]);
    const ref = bpftrace(`usdt:${bin}:tsnap:tick /pid == ${p}/ { @[probe] = count(); }`);
    await Promise.all([fc.started, ref.started]);
    const fired = await round();
    const r = await fc.stop();
    const b = await ref.stop();
    assert.equal(r.code, 0, r.err);
    assert.equal(fired, GUARDED, "the semaphore said a tracer is attached");
    const got = reports(r.out)[0];
    assert.equal(got.get("tsnap:tick"), TICKS, r.out);
    assert.equal(got.get("tsnap:guarded"), GUARDED, r.out);
    assert.equal([...bpftraceCounts(b.out).values()][0], TICKS, b.out);
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(await round(), 0, "detached: the semaphore is back to 0");
  } finally {
    await w.stop();
  }
});
