// Benchmark: the bpf and proc sources side by side in one run, at ~600 threads on the
// machine: CPU per sampling round (active-only and -a), CPU per emitted row with -a,
// start-up time to the first sample, RSS; and what syscall tracking adds to a cheap
// syscall (a getppid loop with and without `tsnap top --source bpf` running).
//   node dist/bench/bpf-vs-proc.js [--threads N] [--rounds N]
// Each source is measured in its own child process (this file with --child SOURCE), so
// RSS and start-up are the source's own. Needs root for the bpf source.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { formatError } from "../src/errors.js";
import type { Sampler } from "../src/model/sampler.js";
import { renderTable } from "../src/report/table.js";
import { openSampler, type SourceChoice } from "../src/sampler/open.js";
import { TSNAP_BIN } from "../src/testkit/cli.js";
import { compileWorkload, startWorkload, systemThreads } from "../src/testkit/workloads.js";

interface ChildResult {
  source: string;
  /** ms from process start (performance.timeOrigin) to the first round's return. */
  firstSampleInProcessMs: number;
  activeUsPerRound: number;
  activeRows: number;
  allUsPerRound: number;
  allRows: number;
  threadsSeen: number;
  rssMb: number;
  /** bpf only: ns per run of the iterator program (one run per task visited), from bpf_stats. */
  kernelNsPerTaskActive?: number;
  kernelNsPerTaskAll?: number;
}

/** ns per run of the sampler's iterator program over `rounds` rounds, with bpf_stats on. */
async function kernelNsPerTask(all: boolean, rounds: number): Promise<number | undefined> {
  const stats = "/proc/sys/kernel/bpf_stats_enabled";
  const { BpfSampler } = await import("../src/sources/bpf/bpf-sampler.js");
  const old = readFileSync(stats, "utf8");
  writeFileSync(stats, "1");
  try {
    const s = await openSampler("bpf", { hz: 20, all, needs: new Set<never>() }, () => {});
    try {
      for (let i = 0; i < rounds; i++) s.round();
      const id = s instanceof BpfSampler ? s.iterProgramId() : null;
      if (id === null) return undefined;
      const info = JSON.parse(
        execFileSync("bpftool", ["-j", "prog", "show", "id", String(id)], { encoding: "utf8" }),
      );
      return info.run_cnt > 0 ? info.run_time_ns / info.run_cnt : undefined;
    } finally {
      s.close();
    }
  } finally {
    writeFileSync(stats, old);
  }
}

function cpuPerRound(s: Sampler, rounds: number): { us: number; rows: number; seen: number } {
  for (let i = 0; i < 5; i++) s.round(); // warm up (JIT, buffers)
  let rows = 0;
  let seen = 0;
  const c0 = process.cpuUsage();
  for (let i = 0; i < rounds; i++) {
    const r = s.round();
    rows += r.samples.length;
    seen += r.threadsSeen;
  }
  const c = process.cpuUsage(c0);
  return { us: (c.user + c.system) / rounds, rows: rows / rounds, seen: seen / rounds };
}

async function child(source: SourceChoice, rounds: number): Promise<void> {
  const opts = { hz: 20, all: false, needs: new Set<never>() };
  const active = await openSampler(source, opts, () => {});
  active.round();
  const first = performance.now();
  process.stdout.write("first\n");
  const a = cpuPerRound(active, rounds);
  active.close();
  const allSampler = await openSampler(source, { ...opts, all: true }, () => {});
  const all = cpuPerRound(allSampler, rounds);
  allSampler.close();
  const res: ChildResult = {
    source,
    firstSampleInProcessMs: first,
    activeUsPerRound: a.us,
    activeRows: a.rows,
    allUsPerRound: all.us,
    allRows: all.rows,
    threadsSeen: all.seen,
    rssMb: process.memoryUsage().rss / 2 ** 20,
  };
  if (source === "bpf") {
    res.kernelNsPerTaskActive = await kernelNsPerTask(false, 50);
    res.kernelNsPerTaskAll = await kernelNsPerTask(true, 50);
  }
  process.stdout.write(`${JSON.stringify(res)}\n`);
}

/** Runs a child for one source; measures spawn → "first" line (wall) from outside. */
function runChild(source: string, rounds: number): Promise<ChildResult & { firstSampleWallMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let firstWall = Number.NaN;
    let out = "";
    const c = spawn(process.execPath, [process.argv[1], "--child", source, "--rounds", String(rounds)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    c.stdout.on("data", (d: Buffer) => {
      if (Number.isNaN(firstWall) && d.toString().includes("first")) firstWall = performance.now() - t0;
      out += d;
    });
    c.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (code !== 0 || !line) reject(new Error(`${source} child exited with ${code}`));
      else resolve({ ...(JSON.parse(line) as ChildResult), firstSampleWallMs: firstWall });
    });
  });
}

function getppidNs(bin: string): number {
  const out = execFileSync(bin, ["2000000", "7"], { encoding: "utf8" });
  return Number(/ns_per_call ([\d.]+)/.exec(out)![1]);
}

/** Cheap-syscall cost without and with the bpf sampler's hooks attached (alternating). */
async function trackingOverhead(): Promise<{ without: number; with: number }> {
  const bin = compileWorkload("getppid-loop");
  const without: number[] = [];
  const withT: number[] = [];
  for (let i = 0; i < 3; i++) {
    without.push(getppidNs(bin));
    const top = spawn(process.execPath, [TSNAP_BIN, "top", "--source", "bpf", "-d", "60"], {
      stdio: "ignore",
    });
    await new Promise((r) => setTimeout(r, 1500)); // attached by then
    withT.push(getppidNs(bin));
    top.kill("SIGINT");
    await new Promise((r) => top.once("exit", r));
  }
  return { without: Math.min(...without), with: Math.min(...withT) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { child: { type: "string" }, threads: { type: "string" }, rounds: { type: "string" } },
  });
  const rounds = Number(values.rounds ?? 200);
  if (values.child) {
    try {
      await child(values.child as SourceChoice, rounds);
    } catch (err) {
      process.stderr.write(`${formatError(err)}\n`);
      process.exitCode = 1;
    }
    return;
  }
  const target = Number(values.threads ?? 600);
  const extra = Math.max(0, target - systemThreads());
  const gt = await startWorkload(compileWorkload("ground-truth"), [
    "spin",
    "1",
    "sleep",
    String(extra),
    "pipe",
    "0",
    "vfork",
    "0",
  ]);
  try {
    const results = [];
    for (const source of ["proc", "bpf"]) {
      try {
        results.push(await runChild(source, rounds));
      } catch (err) {
        process.stdout.write(
          `${source}: not measured (${(err as Error).message}; the bpf source needs root)\n`,
        );
      }
    }
    const f = (n: number, d = 1) => n.toFixed(d);
    const rows = results.map((r) => ({
      source: r.source,
      threads: f(r.threadsSeen, 0),
      "active: µs/round": f(r.activeUsPerRound),
      "active rows": f(r.activeRows),
      "-a: µs/round": f(r.allUsPerRound),
      "-a: µs/row": f(r.allUsPerRound / Math.max(1, r.allRows), 2),
      "first sample ms": f(r.firstSampleWallMs, 0),
      "RSS MB": f(r.rssMb, 0),
    }));
    if (rows.length === 0) return;
    const cols = Object.keys(rows[0]);
    process.stdout.write(
      `${renderTable(
        cols,
        rows.map((r) => cols.map((c) => (r as Record<string, string>)[c])),
      )}\n`,
    );
    const bpf = results.find((r) => r.source === "bpf");
    if (bpf?.kernelNsPerTaskActive !== undefined && bpf.kernelNsPerTaskAll !== undefined) {
      process.stdout.write(
        `bpf iterator program (bpf_stats): ${f(bpf.kernelNsPerTaskActive, 0)} ns per task visited active-only, ${f(bpf.kernelNsPerTaskAll, 0)} ns with -a\n`,
      );
    }
    if (bpf !== undefined) {
      const o = await trackingOverhead();
      process.stdout.write(
        `getppid: ${f(o.without)} ns without tsnap, ${f(o.with)} ns with the bpf source attached: +${f(o.with - o.without)} ns per syscall\n`,
      );
    }
  } finally {
    await gt.stop();
  }
}

await main();
