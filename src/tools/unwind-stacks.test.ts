// --unwind dwarf of profile and offcputime against a workload built -O2 -fomit-frame-pointer
// whose chains are constructed (nofp-chain.c: the main thread runs main → worker → hot on a
// CPU; the thread "reader" blocks in libc's read() from reader_fn ~100 times a second):
// the full chain, down to the outermost frame (_start, clone3), in ≥ 90% of that thread's
// samples (profile) or off-CPU time (offcputime); frame pointers on the same process do
// not get there (the workload defeats them); perf record --call-graph dwarf + perf script
// on the same run agree on the chain and do no better.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { test } from "node:test";
import { runTsnap } from "../testkit/cli.js";
import { containsSeq, parseFolded, sumWhere } from "../testkit/folded.js";
import { compileWorkload, startWorkload } from "../testkit/workloads.js";
import { parseOffcpuArgs } from "./offcputime/offcputime.js";
import { parseProfileArgs } from "./profile/profile.js";
import { parseUnwind, possibleCpuSlots, ringBytes } from "./unwind-stacks.js";

const root = process.getuid?.() === 0;
const havePerf = spawnSync("perf", ["--version"]).status === 0;
const NOFP = ["-fomit-frame-pointer"];

test("--unwind parses as perf's --call-graph dwarf[,SIZE]", () => {
  assert.deepEqual(parseUnwind(undefined), { mode: "auto" });
  assert.deepEqual(parseUnwind("auto"), { mode: "auto" });
  assert.deepEqual(parseUnwind("fp"), { mode: "fp" });
  assert.deepEqual(parseUnwind("dwarf"), { mode: "dwarf", bytes: 8192 });
  assert.deepEqual(parseUnwind("dwarf,16384"), { mode: "dwarf", bytes: 16384 });
  assert.deepEqual(parseUnwind("dwarf,1001"), { mode: "dwarf", bytes: 1008 });
  assert.throws(() => parseUnwind("lbr"), /--unwind must be auto, fp or dwarf/);
  assert.throws(() => parseUnwind("dwarf,1000000"), /at most 65536/);
  assert.equal(possibleCpuSlots("0-1,4\n"), 5);
  assert.equal(ringBytes(0), 1 << 20);
  assert.equal(ringBytes(5 << 20), 4 << 20);
  assert.equal(ringBytes(1e12), 64 << 20);
});

test("a bad --unwind is one tsnap: line with exit 2", async () => {
  const r = await runTsnap(["offcputime", "--unwind", "dwarf,x"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^tsnap: --unwind dwarf,BYTES must be/);
});

/** perf script's samples of thread `tid`: function names leaf first (offsets and "(inlined)" copies dropped). */
function perfStacks(data: string, tid: number): string[][] {
  const text = execFileSync("perf", ["script", "-i", data], { encoding: "utf8", maxBuffer: 1 << 28 });
  const out: string[][] = [];
  for (const block of text.split("\n\n")) {
    const lines = block.split("\n").filter((l) => l !== "");
    const head = /^\s*\S.*?\s+(\d+)\s/.exec(lines[0] ?? "");
    if (!head || Number(head[1]) !== tid) continue;
    const frames: string[] = [];
    for (const l of lines.slice(1)) {
      const m = /^\s+[0-9a-f]+ (\S+?)(\+0x[0-9a-f]+)? \((.*)\)$/.exec(l);
      if (m && m[3] !== "inlined" && !m[3].includes("kernel.kallsyms")) frames.push(m[1]);
    }
    out.push(frames);
  }
  return out;
}

function perfRecord(args: string[], pid: string, seconds: number): string | null {
  const data = `/tmp/tsnap-unwind-${process.pid}-${args.length}.data`;
  const r = spawnSync(
    "perf",
    ["record", "-q", ...args, "--call-graph", "dwarf", "-o", data, "-p", pid, "--", "sleep", String(seconds)],
    { encoding: "utf8" },
  );
  return r.status === 0 ? data : null;
}

test("--unwind auto: dwarf for profile of one process or thread, fp system-wide and for offcputime", () => {
  assert.deepEqual(parseProfileArgs(["-p", "5"]).unwind, { mode: "dwarf", bytes: 8192 });
  assert.deepEqual(parseProfileArgs(["-L", "5"]).unwind, { mode: "dwarf", bytes: 8192 });
  assert.deepEqual(parseProfileArgs([]).unwind, { mode: "fp" });
  assert.deepEqual(parseProfileArgs(["-p", "5", "--unwind", "fp"]).unwind, { mode: "fp" });
  assert.deepEqual(parseProfileArgs(["-p", "5", "-K"]).unwind, { mode: "fp" });
  assert.deepEqual(parseOffcpuArgs(["-p", "5"]).unwind, { mode: "fp" });
});

test("profile -p (auto: dwarf): _start … main;worker;hot in ≥ 90% of the thread's samples; frame pointers and perf side by side", {
  skip: !root && "needs root",
}, async (t) => {
  const bin = compileWorkload("nofp-chain", "test/workloads", NOFP);
  const comm = basename(bin).slice(0, 15);
  const w = await startWorkload(bin, []);
  try {
    const pid = w.ready[1];
    const [ours, perfData] = await Promise.all([
      // No --unwind: one process is unwound with .eh_frame by default.
      runTsnap(["profile", "-F", "199", "-p", pid, "-f", "3"], { timeoutMs: 30_000 }),
      Promise.resolve().then(() => (havePerf ? perfRecord(["-F", "199"], pid, 3) : null)),
    ]);
    assert.equal(ours.code, 0, ours.stderr);
    const main = parseFolded(ours.stdout).filter((s) => s.frames[0] === comm);
    const total = sumWhere(main, () => true);
    const full = (f: readonly string[]) => f[1] === "_start" && containsSeq(f, ["main", "worker", "hot"]);
    const good = sumWhere(main, (s) => full(s.frames));
    assert.ok(total > 300, `enough samples of the main thread: ${total}\n${ours.stdout}`);
    t.diagnostic(`dwarf: full chain in ${good} of ${total} samples (${((100 * good) / total).toFixed(1)}%)`);
    assert.ok(good >= 0.9 * total, `full chain in ${good} of ${total}\n${ours.stdout}`);

    // Frame pointers on the same process: the workload has none, the walk cannot reach main.
    const fp = await runTsnap(["profile", "--unwind", "fp", "-F", "199", "-p", pid, "-f", "2"], {
      timeoutMs: 30_000,
    });
    assert.equal(fp.code, 0, fp.stderr);
    const fpMain = parseFolded(fp.stdout).filter((s) => s.frames[0] === comm);
    const fpGood = sumWhere(fpMain, (s) => full(s.frames));
    const fpTotal = sumWhere(fpMain, () => true);
    t.diagnostic(`fp: full chain in ${fpGood} of ${fpTotal} samples`);
    assert.ok(fpGood < 0.5 * fpTotal, `frame pointers should not get through: ${fp.stdout}`);

    if (!perfData) {
      t.diagnostic(
        havePerf ? "perf record failed: no comparison" : "perf (linux-perf) not installed: no comparison",
      );
      return;
    }
    const stacks = perfStacks(perfData, Number(pid));
    rmSync(perfData, { force: true });
    const perfGood = stacks.filter(
      (f) => f.at(-1) === "_start" && containsSeq(f, ["hot", "worker", "main"]),
    ).length;
    t.diagnostic(`perf --call-graph dwarf: full chain in ${perfGood} of ${stacks.length} samples`);
    assert.ok(stacks.length > 100 && perfGood > 0.5 * stacks.length, "perf itself unwinds the workload");
    assert.ok(good / total >= perfGood / stacks.length - 0.05, "no worse than perf by more than 5 points");
  } finally {
    await w.stop();
  }
});

test("offcputime --unwind dwarf: clone3 … reader_fn;read in ≥ 90% of the reader's off-CPU time; perf side by side", {
  skip: !root && "needs root",
}, async (t) => {
  const bin = compileWorkload("nofp-chain", "test/workloads", NOFP);
  const w = await startWorkload(bin, []);
  try {
    const [pid, readerTid] = [w.ready[1], Number(w.ready[2])];
    const [ours, perfData] = await Promise.all([
      runTsnap(["offcputime", "--unwind", "dwarf", "-p", pid, "-f", "3"], { timeoutMs: 30_000 }),
      Promise.resolve().then(() => (havePerf ? perfRecord(["-e", "sched:sched_switch"], pid, 3) : null)),
    ]);
    assert.equal(ours.code, 0, ours.stderr);
    const reader = parseFolded(ours.stdout).filter((s) => s.frames[0] === "reader");
    const total = sumWhere(reader, () => true);
    const chain = ["clone3", "start_thread", "reader_main", "reader_fn", "read"];
    const good = sumWhere(reader, (s) => s.frames[1] === "clone3" && containsSeq(s.frames, chain));
    // Blocked almost all the time: most of the 3 s (µs) are the reader's.
    assert.ok(total > 1_500_000, `reader off CPU ${total} µs\n${ours.stdout}`);
    t.diagnostic(`dwarf: full chain in ${((100 * good) / total).toFixed(1)}% of ${total} µs`);
    assert.ok(good >= 0.9 * total, `full chain in ${good} of ${total} µs\n${ours.stdout}`);
    // The kernel side goes down to the scheduler through the pipe's read.
    assert.ok(
      reader.some(
        (s) =>
          containsSeq(s.frames, ["read", "entry_SYSCALL_64_after_hwframe"]) && s.frames.includes("schedule"),
      ),
      ours.stdout,
    );

    const fp = await runTsnap(["offcputime", "-p", pid, "-f", "2"], { timeoutMs: 30_000 });
    assert.equal(fp.code, 0, fp.stderr);
    const fpReader = parseFolded(fp.stdout).filter((s) => s.frames[0] === "reader");
    const fpGood = sumWhere(fpReader, (s) => containsSeq(s.frames, ["reader_fn", "read"]));
    t.diagnostic(`fp: reader_fn;read in ${fpGood} of ${sumWhere(fpReader, () => true)} µs`);
    assert.ok(
      fpGood < 0.5 * sumWhere(fpReader, () => true),
      `frame pointers should not get through: ${fp.stdout}`,
    );

    if (!perfData) {
      t.diagnostic(
        havePerf ? "perf record failed: no comparison" : "perf (linux-perf) not installed: no comparison",
      );
      return;
    }
    const stacks = perfStacks(perfData, readerTid);
    rmSync(perfData, { force: true });
    const perfGood = stacks.filter(
      (f) => f.at(-1) === "clone3" && containsSeq(f, ["reader_fn", "reader_main", "start_thread", "clone3"]),
    ).length;
    t.diagnostic(
      `perf -e sched:sched_switch --call-graph dwarf: full chain in ${perfGood} of ${stacks.length} switches`,
    );
    assert.ok(stacks.length > 50 && perfGood > 0.5 * stacks.length, "perf itself unwinds the reader");
  } finally {
    await w.stop();
  }
});

/** Built so that its CFI is in .debug_frame only: no unwind tables, no frame pointers. */
const DEBUG_FRAME_ONLY = ["-fomit-frame-pointer", "-fno-asynchronous-unwind-tables", "-g"];

/** The main thread's samples whose chain is the workload's own: _start … main;worker;hot. */
async function mainChain(bin: string, comm: string): Promise<{ good: number; total: number; text: string }> {
  const w = await startWorkload(bin, []);
  try {
    const r = await runTsnap(["profile", "--unwind", "dwarf", "-F", "199", "-p", w.ready[1], "-f", "3"], {
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 0, r.stderr);
    const main = parseFolded(r.stdout).filter((s) => s.frames[0] === comm);
    const full = (f: readonly string[]) => f[1] === "_start" && containsSeq(f, ["main", "worker", "hot"]);
    return { good: sumWhere(main, (s) => full(s.frames)), total: sumWhere(main, () => true), text: r.stdout };
  } finally {
    await w.stop();
  }
}

test("--unwind dwarf through .debug_frame (built -fno-asynchronous-unwind-tables -g): _start … main;worker;hot in ≥ 90% of samples, also from a stripped binary's debug file", {
  skip: !root && "needs root",
}, async (t) => {
  const bin = compileWorkload("nofp-chain", "test/workloads", DEBUG_FRAME_ONLY);
  // The premise, from binutils: .eh_frame has no FDE for worker, .debug_frame has one.
  const worker = Number.parseInt(
    /^([0-9a-f]+) T worker$/m.exec(execFileSync("nm", [bin], { encoding: "utf8" }))?.[1] ?? "",
    16,
  );
  const frames = execFileSync("readelf", ["-W", "--debug-dump=frames", bin], { encoding: "utf8" });
  const fdes = (section: string) =>
    [
      ...(
        frames.split(`Contents of the ${section} section`)[1]?.split("\nContents of the ")[0] ?? ""
      ).matchAll(/FDE cie=\S+ pc=([0-9a-f]+)\.\.([0-9a-f]+)/g),
    ].map((m) => [Number.parseInt(m[1], 16), Number.parseInt(m[2], 16)]);
  const covers = (section: string) => fdes(section).some(([s, e]) => worker >= s && worker < e);
  assert.equal(covers(".eh_frame"), false, "no .eh_frame FDE for worker");
  assert.equal(covers(".debug_frame"), true, ".debug_frame has worker's FDE");

  const own = await mainChain(bin, basename(bin).slice(0, 15));
  t.diagnostic(`.debug_frame: full chain in ${own.good} of ${own.total} samples`);
  assert.ok(own.total > 300, `enough samples of the main thread: ${own.total}\n${own.text}`);
  assert.ok(own.good >= 0.9 * own.total, `full chain in ${own.good} of ${own.total}\n${own.text}`);

  // Stripped of its debug sections, the same code is unwound with its debug file's .debug_frame
  // (found by .gnu_debuglink in .debug/ beside it).
  const dir = mkdtempSync(join(tmpdir(), "tsnap-debugframe-"));
  try {
    const stripped = join(dir, "nofp-dbgframe");
    mkdirSync(join(dir, ".debug"));
    execFileSync("objcopy", ["--only-keep-debug", bin, join(dir, ".debug", "nofp-dbgframe.debug")]);
    execFileSync("objcopy", [
      "--strip-debug",
      `--add-gnu-debuglink=${join(dir, ".debug", "nofp-dbgframe.debug")}`,
      bin,
      stripped,
    ]);
    assert.ok(
      !execFileSync("readelf", ["-S", "-W", stripped], { encoding: "utf8" }).includes(".debug_frame"),
    );
    const linked = await mainChain(stripped, "nofp-dbgframe");
    t.diagnostic(`debug file's .debug_frame: full chain in ${linked.good} of ${linked.total} samples`);
    assert.ok(linked.total > 300, `enough samples: ${linked.total}\n${linked.text}`);
    assert.ok(
      linked.good >= 0.9 * linked.total,
      `full chain in ${linked.good} of ${linked.total}\n${linked.text}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
