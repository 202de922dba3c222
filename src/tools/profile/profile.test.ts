// tsnap profile against workloads whose on-CPU split is constructed: hot-cold.c spends
// 3/4 of its loop in main → worker → hot_a and 1/4 in hot_b (same loop body, 3:1
// iterations); a Node program with --perf-basic-prof names its JS function through the
// JIT map; a C++ program's frames read as c++filt reads its symbols; perf (linux-perf)
// sampling the same process agrees on the leaf functions.
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { parseCpuList } from "../../platform/cpus.js";
import { runTsnap } from "../../testkit/cli.js";
import { containsSeq, parseFolded, sumWhere } from "../../testkit/folded.js";
import { frameNamed, svgFrames } from "../../testkit/svg-frames.js";
import { compileWorkload, startWorkload } from "../../testkit/workloads.js";
import { parseProfileArgs } from "./profile.js";

const root = process.getuid?.() === 0;
const FP_FLAGS = ["-fno-omit-frame-pointer", "-fno-optimize-sibling-calls"];

test("flags parse as bcc's profile", () => {
  const o = parseProfileArgs([
    "-F",
    "99",
    "-p",
    "42",
    "-U",
    "-d",
    "-a",
    "-f",
    "--stack-storage-size",
    "1024",
    "5",
  ]);
  assert.equal(o.hz, 99);
  assert.equal(o.pid, 42);
  assert.ok(o.userOnly && o.delimited && o.annotate && o.folded);
  assert.equal(o.stackStorageSize, 1024);
  assert.equal(o.durationS, 5);
  assert.equal(parseProfileArgs([]).hz, 49);
  assert.throws(() => parseProfileArgs(["-U", "-K"]), /exclude/);
  assert.throws(() => parseProfileArgs(["-F", "0"]), /-F/);
  assert.deepEqual(parseCpuList("0-2,5\n"), [0, 1, 2, 5]);
});

test("usage errors are one tsnap: line with exit 2", async () => {
  const r = await runTsnap(["profile", "-p", "abc"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^tsnap: -p must be/);
  assert.equal(r.stderr.trim().split("\n").length, 1);
});

test("profile -p: main;worker;hot_a holds 75% ±5 points of the thread's samples, names exact", {
  skip: !root && "needs root",
}, async (t) => {
  const bin = compileWorkload("hot-cold", "test/workloads", FP_FLAGS);
  const w = await startWorkload(bin, []);
  try {
    // A second, independent measurement when the first misses; both must miss to fail. Alone
    // it reads 74.7%; beside a fork storm of 200/s it read 64-68%: 199 Hz beats with 200 Hz
    // (the instants drift through the storm's phase by 1/s), as bcc's profile would alias.
    let r = { code: 0, stdout: "", stderr: "" };
    let stacks: ReturnType<typeof parseFolded> = [];
    let share = 0;
    for (let attempt = 0; attempt < 2; attempt++) {
      r = await runTsnap(["profile", "-F", "199", "-p", w.ready[1], "-f", "6"], { timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stderr);
      stacks = parseFolded(r.stdout);
      const total = sumWhere(stacks, () => true);
      const a = sumWhere(stacks, (s) => containsSeq(s.frames, ["main", "worker", "hot_a"]));
      const b = sumWhere(stacks, (s) => containsSeq(s.frames, ["main", "worker", "hot_b"]));
      assert.ok(total > 600, `enough samples: ${total}`);
      assert.ok(a + b >= 0.95 * total, `hot_a + hot_b are the loop: ${a + b} of ${total}\n${r.stdout}`);
      share = (100 * a) / (a + b);
      if (Math.abs(share - 75) <= 5) break;
      if (attempt === 0) t.diagnostic(`first measurement: hot_a share ${share.toFixed(1)}%; measuring again`);
    }
    assert.ok(Math.abs(share - 75) <= 5, `hot_a share ${share.toFixed(1)}% (want 75 ±5)\n${r.stdout}`);
    // bcc's folded form: the comm (the binary's name, cut to 15 characters) first.
    assert.ok(
      stacks.every((s) => s.frames[0].startsWith("hot-cold")),
      r.stdout,
    );
  } finally {
    await w.stop();
  }
});

test("the text form lists each stack leaf first with '- comm (pid)' and its count", {
  skip: !root && "needs root",
}, async () => {
  const bin = compileWorkload("hot-cold", "test/workloads", FP_FLAGS);
  const w = await startWorkload(bin, []);
  try {
    const r = await runTsnap(["profile", "-U", "-p", w.ready[1], "2"], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Sampling at 49 Hertz of PID \d+ by user stack for 2 secs\.\n/);
    assert.match(
      r.stdout,
      new RegExp(
        `    hot_a\\n    worker\\n    main\\n(    .*\\n)*    -{1} {16}hot-cold\\S* \\(${w.ready[1]}\\)\\n        \\d+\\n`,
      ),
    );
  } finally {
    await w.stop();
  }
});

test("a C++ program's frames are demangled: the names c++filt gives its symbols", {
  skip: !root && "needs root",
}, async () => {
  const bin = compileWorkload("cpp-hot", "test/workloads", FP_FLAGS);
  // Truth from binutils: the binary's mangled symbols of run and spin through c++filt.
  const mangled = execFileSync("nm", [bin], { encoding: "utf8" })
    .split("\n")
    .map((l) => l.split(" ")[2] ?? "")
    .filter((n) => /^_ZN10tsnap_test(3run|7SpinnerIlE4spin)E/.test(n));
  assert.equal(mangled.length, 2, `run and spin in ${bin}`);
  const [run, spin] = execFileSync("c++filt", mangled, { encoding: "utf8" })
    .trim()
    .split("\n")
    .sort((a, b) => (a.includes("run(") ? -1 : b.includes("run(") ? 1 : 0));
  assert.equal(spin, "tsnap_test::Spinner<long>::spin(long)");
  const w = await startWorkload(bin, []);
  try {
    const r = await runTsnap(["profile", "-U", "-p", w.ready[1], "-f", "2"], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    const stacks = parseFolded(r.stdout);
    const inSpin = sumWhere(stacks, (s) => containsSeq(s.frames, ["main", run, spin]));
    const all = sumWhere(stacks, () => true);
    assert.ok(inSpin > all / 2, `${inSpin} of ${all} samples in main;${run};${spin}\n${r.stdout}`);
  } finally {
    await w.stop();
  }
});

const JS = `
function tsnapHotLoop(n) { let x = 0; for (let i = 0; i < n; i++) x = (x * 31 + i) | 0; return x; }
let sink = 0;
console.log("ready " + process.pid);
for (;;) sink ^= tsnapHotLoop(1e6);
`;

test("a Node program run with --perf-basic-prof shows its JS function by name", {
  skip: !root && "needs root",
}, async () => {
  const child = spawn(process.execPath, ["--perf-basic-prof", "-e", JS], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const pid = child.pid as number;
    for (let i = 0; i < 50 && !existsSync(`/tmp/perf-${pid}.map`); i++) await sleep(100);
    await sleep(500); // the function is compiled and in the map
    const r = await runTsnap(["profile", "-U", "-p", String(pid), "-f", "3"], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    const stacks = parseFolded(r.stdout);
    const total = sumWhere(stacks, () => true);
    const js = sumWhere(stacks, (s) => s.frames.some((f) => f.includes("tsnapHotLoop")));
    assert.ok(js >= 0.5 * total, `tsnapHotLoop in ${js} of ${total} samples\n${r.stdout.slice(0, 2000)}`);
  } finally {
    child.kill("SIGKILL");
  }
});

/** perf record -g + perf script on `pid`: leaf function → samples. */
function perfLeaves(pid: string, seconds: number): Map<string, number> | string {
  const data = `/tmp/tsnap-perf-${process.pid}.data`;
  const rec = spawnSync(
    "perf",
    ["record", "-F", "199", "-g", "-o", data, "-p", pid, "--", "sleep", String(seconds)],
    {
      encoding: "utf8",
    },
  );
  if (rec.status !== 0) return `perf record failed: ${(rec.stderr || "").trim().split("\n").pop()}`;
  const text = execFileSync("perf", ["script", "-i", data], { encoding: "utf8", maxBuffer: 1 << 28 });
  execFileSync("rm", ["-f", data]);
  const out = new Map<string, number>();
  // Each sample: a header line, then frames "\t addr sym+off (dso)", leaf first.
  for (const block of text.split("\n\n")) {
    const frame = block.split("\n").find((l) => /^\s+[0-9a-f]+ /.test(l));
    const m = frame && /^\s+[0-9a-f]+ (\S+?)(\+0x[0-9a-f]+)? \(/.exec(frame);
    if (m) out.set(m[1], (out.get(m[1]) ?? 0) + 1);
  }
  return out;
}

const havePerf = spawnSync("perf", ["--version"]).status === 0;

test("side by side with perf record -g: the top leaf functions agree", {
  skip: !root ? "needs root" : !havePerf && "perf (linux-perf) is not installed: scripts/setup.sh --tests",
}, async (t) => {
  const bin = compileWorkload("hot-cold", "test/workloads", FP_FLAGS);
  const w = await startWorkload(bin, []);
  try {
    const [ours, theirs] = await Promise.all([
      runTsnap(["profile", "-F", "199", "-p", w.ready[1], "-f", "3"], { timeoutMs: 30_000 }),
      Promise.resolve().then(() => perfLeaves(w.ready[1], 3)),
    ]);
    if (typeof theirs === "string") {
      t.skip(theirs);
      return;
    }
    const leaves = new Map<string, number>();
    for (const s of parseFolded(ours.stdout))
      leaves.set(s.frames.at(-1) ?? "", (leaves.get(s.frames.at(-1) ?? "") ?? 0) + s.count);
    const top = (m: Map<string, number>) =>
      [...m]
        .sort((x, y) => y[1] - x[1])
        .slice(0, 2)
        .map(([k]) => k);
    assert.deepEqual(top(leaves), top(theirs), `ours ${[...leaves]} perf ${[...theirs]}`);
  } finally {
    await w.stop();
  }
});

/** perf_event fds the process holds now (its cpu-clock events while attached). */
function perfEventFds(pid: number): number {
  let n = 0;
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`))
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === "anon_inode:[perf_event]") n++;
      } catch {}
  } catch {}
  return n;
}

const cpuNs = (tid: string) =>
  Number(readFileSync(`/proc/${tid}/task/${tid}/schedstat`, "latin1").split(" ")[0]);

test("profile -o FILE.svg: the flame graph's samples are the spinner's schedstat CPU × HZ", {
  skip: !root && "needs root",
}, async () => {
  const bin = compileWorkload("hot-cold", "test/workloads", FP_FLAGS);
  const w = await startWorkload(bin, []);
  const dir = mkdtempSync(join(tmpdir(), "tsnap-profile-svg-"));
  const out = join(dir, "cpu.svg");
  try {
    const tid = w.ready[1];
    // The spinner's CPU time while tsnap's cpu-clock events are open (polled every 5 ms: the
    // window is off by a sample or two at most); its samples are that time × HZ.
    let pid = 0;
    const run = runTsnap(["profile", "-F", "99", "-L", tid, "--unwind", "fp", "-o", out, "4"], {
      timeoutMs: 60_000,
      onSpawn: (p) => {
        pid = p;
      },
    });
    let from = 0;
    let to = 0;
    let done = false;
    void run.finally(() => {
      done = true;
    });
    while (!done && perfEventFds(pid) === 0) await sleep(5);
    from = cpuNs(tid);
    while (!done && perfEventFds(pid) > 0) await sleep(5);
    to = cpuNs(tid);
    const r = await run;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Sampling at 99 Hertz of TID \d+ by user \+ kernel stack for 4 secs\.\n$/);
    const want = ((to - from) / 1e9) * 99;
    assert.ok(want > 99 * 2, `the spinner ran ${((to - from) / 1e9).toFixed(2)} s of the 4 s window`);
    const svg = readFileSync(out, "utf8");
    assert.ok(svg.includes("<svg") && svg.trimEnd().endsWith("</svg>"), "a whole SVG document");
    const frames = svgFrames(svg);
    const count = (name: string) =>
      Number(/^([\d,]+) samples/.exec(frameNamed(frames, name).info)?.[1].replaceAll(",", ""));
    const all = count("all");
    assert.ok(
      Math.abs(all - want) <= 0.1 * want + 3,
      `${all} samples in the SVG, schedstat says ${want.toFixed(1)}`,
    );
    // The loop's split shows in it too: hot_a 3/4 of hot_a + hot_b.
    const a = count("hot_a");
    const b = count("hot_b");
    assert.ok(Math.abs((100 * a) / (a + b) - 75) <= 10, `hot_a ${a}, hot_b ${b}`);
  } finally {
    await w.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
