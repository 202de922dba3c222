// tsnap flame DIR: a thread-state flame graph of captured history against a workload whose
// threads are known: 2 spinning (RUN, or RUNQ while the other holds a CPU), 1 sleeping in
// clock_nanosleep, and its main thread in pause. Widths in avg threads within ±0.3 of that,
// from history (capture, then flame DIR) and live (top --flame).
import assert from "node:assert/strict";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, runTsnap } from "../../testkit/cli.js";
import { containsSeq, parseFolded } from "../../testkit/folded.js";
import { startGroundTruth } from "../../testkit/ground-truth.js";
import { svgFrames } from "../../testkit/svg-frames.js";
import { compileWorkload, startWorkload } from "../../testkit/workloads.js";

test("flame DIR: 2 spinning + 1 nanosleep + 1 pause thread, widths within ±0.3 avg threads", async (t) => {
  const gt = await startGroundTruth({ spin: 2, sleep: 1, pipe: 0, vfork: false });
  const dir = mkdtempSync(join(tmpdir(), "tsnap-flame-hist-"));
  try {
    const common = ["capture", "-o", dir, "-a", "-p", String(gt.pid), "--hz", "5", "-d", "8"];
    let cap = await runTsnap([...common, "--source", "bpf", "--kstack", "--ustack"], { timeoutMs: 60_000 });
    if (cap.code !== 0 && /not supported|permission/i.test(cap.stderr)) {
      t.diagnostic(`bpf source unavailable, proc source instead: ${cap.stderr.trim().split("\n").at(-1)}`);
      rmSync(dir, { recursive: true, force: true });
      cap = await runTsnap([...common, "--source", "proc"], { timeoutMs: 60_000 });
    }
    assert.equal(cap.code, 0, cap.stderr);
    const spinComm = `${gt.tag}-spin`;
    const sleepComm = `${gt.tag}-sleep`;

    // Folded text: counts are avg threads per (state, comm, ustack, syscall, kstack).
    const folded = await runCli(["flame", dir, "--folded", "-w", `tgid=${gt.pid}`]);
    assert.equal(folded.code, 0, folded.stderr);
    const lines = folded.stdout
      .trim()
      .split("\n")
      .map((l) => {
        const cut = l.lastIndexOf(" ");
        return { frames: l.slice(0, cut).split(";"), n: Number(l.slice(cut + 1)) };
      });
    const sum = (pred: (f: string[]) => boolean) =>
      lines.filter((l) => pred(l.frames)).reduce((a, l) => a + l.n, 0);
    const within = (got: number, want: number, what: string) =>
      assert.ok(
        Math.abs(got - want) <= 0.3,
        `${what}: ${got.toFixed(3)} avg threads, expected ${want}\n${folded.stdout}`,
      );
    within(
      sum((f) => (f[0] === "RUN" || f[0] === "RUNQ") && f[1] === spinComm),
      2,
      "spinners on or waiting for a CPU",
    );
    within(
      sum((f) => f[0] === "SLEEP" && f[1] === sleepComm && f.includes("clock_nanosleep")),
      1,
      "nanosleep thread",
    );
    within(
      sum((f) => f[0] === "SLEEP" && f.includes("pause")),
      1,
      "main thread in pause",
    );
    within(
      sum(() => true),
      4,
      "all threads",
    );

    // The SVG: a state frame's share of the width times the total is its avg threads.
    const svgRun = await runCli(["flame", dir, "-w", `tgid=${gt.pid}`, "--levels", "state,comm,syscall"]);
    assert.equal(svgRun.code, 0, svgRun.stderr);
    const frames = svgFrames(svgRun.stdout);
    const root = frames.find((f) => f.name === "all")!;
    assert.match(root.info, / avg threads, 100\.00%$/);
    const total = Number(root.info.split(" ")[0]);
    within(total, 4, "root");
    const threads = (name: string) =>
      frames.filter((f) => f.name === name).reduce((a, f) => a + (f.width / root.width) * total, 0);
    within(threads("RUN") + threads("RUNQ"), 2, "RUN + RUNQ frames");
    within(threads("SLEEP"), 2, "SLEEP frame");
    within(threads("clock_nanosleep"), 1, "clock_nanosleep frame");
    within(threads("pause"), 1, "pause frame");
    assert.match(
      svgRun.stdout,
      /<text id="subtitle"[^>]*>[^<]*state → comm → syscall; widths in avg threads/,
    );
  } finally {
    await gt.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("top --flame: the live window as a flame graph, widths within ±0.3 avg threads", async () => {
  const gt = await startGroundTruth({ spin: 2, sleep: 1, pipe: 0, vfork: false });
  const dir = mkdtempSync(join(tmpdir(), "tsnap-flame-top-"));
  try {
    const svgPath = join(dir, "top.svg");
    const r = await runTsnap(
      [
        "top",
        "-a",
        "-p",
        String(gt.pid),
        "-g",
        "state,comm,syscall",
        "--hz",
        "20",
        "-d",
        "4",
        "--flame",
        svgPath,
      ],
      { timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const frames = svgFrames(readFileSync(svgPath, "utf8"));
    const root = frames.find((f) => f.name === "all")!;
    const total = Number(root.info.split(" ")[0]);
    const threads = (pred: (name: string) => boolean) =>
      frames.filter((f) => pred(f.name)).reduce((a, f) => a + (f.width / root.width) * total, 0);
    const within = (got: number, want: number, what: string) =>
      assert.ok(Math.abs(got - want) <= 0.3, `${what}: ${got.toFixed(3)}, expected ${want}`);
    within(total, 4, "all threads");
    within(
      threads((n) => n === "RUN" || n === "RUNQ"),
      2,
      "RUN + RUNQ (or proc's RUN)",
    );
    within(
      threads((n) => n === `${gt.tag}-spin`),
      2,
      "spinners' comm frame",
    );
    within(
      threads((n) => n === "clock_nanosleep"),
      1,
      "clock_nanosleep",
    );
    within(
      threads((n) => n === "pause"),
      1,
      "pause",
    );
  } finally {
    await gt.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("flame DIR: bad levels and filters are usage errors", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnap-flame-hist-"));
  try {
    for (const [argv, re] of [
      [["--levels", "state,bogus"], /--levels: unknown column 'bogus'/],
      [["--levels", "state,state"], /given twice/],
      [["-w", "state="], /./],
      [["--flamechart"], /--flamechart needs folded input/],
    ] as const) {
      const r = await runCli(["flame", dir, ...argv]);
      assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split("\n").length, 1);
    }
    const empty = await runCli(["flame", dir]);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /no tsnap or xcapture sample files/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Stacks are symbolized at capture time into each hour's dictionary: once the process has
// exited and its binary is gone, nothing on the machine can name its frames, yet the
// history still does. The workload (hot-cold.c, frame pointers) runs main → worker → hot_a
// or hot_b: the names the compiler gave them, not anything tsnap produced.
test("history names user frames after the process exited and its binary was deleted", {
  skip: process.getuid?.() !== 0 && "needs root (bpf source, user stacks)",
}, async () => {
  const built = compileWorkload("hot-cold", "test/workloads", [
    "-fno-omit-frame-pointer",
    "-fno-optimize-sibling-calls",
  ]);
  const dir = mkdtempSync(join(tmpdir(), "tsnap-flame-gone-"));
  const bin = join(dir, "hot-cold-gone");
  copyFileSync(built, bin);
  chmodSync(bin, 0o755);
  const w = await startWorkload(bin, []);
  const pid = w.ready[1];
  try {
    const cap = await runTsnap(
      ["capture", "-o", join(dir, "cap"), "--source", "bpf", "--ustack", "-p", pid, "--hz", "10", "-d", "3"],
      { timeoutMs: 60_000 },
    );
    assert.equal(cap.code, 0, cap.stderr);
  } finally {
    await w.stop();
  }
  try {
    rmSync(bin);
    assert.ok(!existsSync(`/proc/${pid}`), "the process is gone");
    const r = await runCli([
      "flame",
      join(dir, "cap"),
      "--folded",
      "-w",
      `tgid=${pid}`,
      "--levels",
      "state,ustack",
    ]);
    assert.equal(r.code, 0, r.stderr);
    // Frames as the capture wrote them: module`function (offsets dropped by flame).
    const lines = parseFolded(r.stdout).map((s) => ({
      ...s,
      fns: s.frames.map((f) => f.slice(f.indexOf("`") + 1)),
    }));
    const total = lines.reduce((n, s) => n + s.count, 0);
    const named = lines
      .filter((s) => containsSeq(s.fns, ["main", "worker"]) && /^hot_[ab]$/.test(s.fns.at(-1) ?? ""))
      .reduce((n, s) => n + s.count, 0);
    assert.ok(
      total > 0 && named >= 0.8 * total,
      `main;worker;hot_a|hot_b in ${named} of ${total}:\n${r.stdout}`,
    );
    assert.ok(
      lines.some((s) => s.frames.includes("hot-cold-gone`main")),
      `the deleted binary names its frames:\n${r.stdout}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
