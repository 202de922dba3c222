// Benchmark: what `tsnap capture` and `tsnap top` cost as whole processes, the way a user
// pays for it, at ~600 threads on the machine (mostly sleeping, one spinning, one in D):
// CPU of the tool's process after start-up per sampling round (the kernel's own
// accounting: Σ /proc/PID/task/*/schedstat run time, ns, over a window of whole
// periods placed between rounds), peak RSS (VmHWM), and for capture the time from spawn
// to the first sample row on disk. Runs each case as a child process (bin/tsnap.js),
// alternating the cases, repeated; prints min and median beside the targets.
//   node dist/bench/overhead.js [--threads 600] [--reps 3] [--sources bpf,proc]
//        [--tools capture,top] [--hz 1,20] [--modes active,all] [--secs1 30] [--secs20 10]
//        [--warmup 10] [--convert] [--node-flags=--max-semi-space-size=1]
//        [--bins A/bin/tsnap.js,B/bin/tsnap.js] [--hists all,sc,none] [--load idle,fork]
//        [--fork-rate 300]
// With the bpf source it also counts what the process's CPU does not show: the in-kernel
// clock's program run time (bpf_stats, switched on for the benchmark with BPF_ENABLE_STATS,
// read from /proc/PID/fdinfo of the child's programs), per round, and the whole total.
// --warmup: seconds after spawn before the window (start-up, JIT, V8's memory-reducer GCs
// about 8 s after start are not per-round costs). --bins alternates builds case by case.
// --hists sets TSNAP_LATENCY_HISTS per case (all: every histogram; sc: syscalls only; none).
// --load fork runs bench/c/fork-storm.c (--fork-rate short-lived processes a second, every
// 10th exec'ing) during the case: a fork-heavy box, where the run-queue histogram map holds
// thousands of processes a minute.
// --convert also measures a Parquet conversion of an hour (what closing an hour adds
// to RSS): in a process of its own (as capture does it) vs in the capture process.
// The bpf source needs root. Run alone, under the CPU lock.
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { libbpf } from "../src/bpf/libbpf.js";
import { renderTable } from "../src/report/table.js";
import { TSNAP_BIN } from "../src/testkit/cli.js";
import { compileWorkload, startWorkload, systemThreads } from "../src/testkit/workloads.js";

interface Case {
  /** bin/tsnap.js to run (--bins compares builds, alternating). */
  bin: string;
  tool: "capture" | "top";
  source: string;
  all: boolean;
  hz: number;
  /** TSNAP_LATENCY_HISTS: "all" (unset), "sc" or "none". */
  hists: string;
  /** "idle", or "fork": a fork storm runs during the case. */
  load: string;
}

interface RunResult {
  msPerRound: number;
  /** bpf: the in-kernel clock's program (perf_event) run time per round, ms; else null. */
  clockMsPerRound: number | null;
  /** bpf: the clock program's runs (ticks) per second; else null. */
  ticksPerS: number | null;
  rounds: number;
  rssMb: number;
  /** capture only: spawn → first sample row on disk, s. */
  firstRowS: number | null;
  /** Threads that exited during the window (their CPU is not counted). */
  lostThreads: number;
  /** capture only: the files of the run (for --convert), deleted by the caller. */
  dir: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Σ run time (ns) of every live thread of pid, from the kernel's schedstat. */
function cpuNs(pid: number): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      m.set(t, Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, "latin1").split(" ")[0]));
    } catch {
      // exited
    }
  }
  return m;
}

/** BPF_PROG_TYPE_PERF_EVENT: the in-kernel clock (tsnap loads no other perf_event program). */
const PROG_TYPE_PERF_EVENT = 7;

/** Run time (ns) and runs of pid's perf_event programs, from fdinfo (bpf_stats on). */
function clockProgStats(pid: number): { ns: number; runs: number } {
  const seen = new Set<string>();
  let ns = 0;
  let runs = 0;
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    let info: string;
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, "latin1");
    } catch {
      continue;
    }
    const field = (k: string) => new RegExp(`^${k}:\\s+(\\d+)$`, "m").exec(info)?.[1];
    const id = field("prog_id");
    const time = field("run_time_ns");
    if (id === undefined || time === undefined || seen.has(id)) continue; // not a program fd
    if (Number(field("prog_type")) !== PROG_TYPE_PERF_EVENT) continue;
    seen.add(id);
    ns += Number(time);
    runs += Number(field("run_cnt") ?? 0);
  }
  return { ns, runs };
}

function mainThreadNs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, "latin1").split(" ")[0]);
}

function vmHwmMb(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "latin1"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Data lines in the capture's rounds files (one per round). */
function roundsOnDisk(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) {
    if (!f.startsWith("tsnap_rounds_") || !f.endsWith(".csv")) continue;
    const text = readFileSync(join(dir, f), "latin1");
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
    n--; // header
  }
  return n;
}

function hasSampleRow(dir: string): boolean {
  for (const f of readdirSync(dir)) {
    if (!f.startsWith("tsnap_samples_")) continue;
    const text = readFileSync(join(dir, f), "latin1");
    const nl = text.indexOf("\n");
    if (nl >= 0 && text.indexOf("\n", nl + 1) > nl) return true;
  }
  return false;
}

/**
 * Finds when the child's main thread last ran (a round), polling its schedstat; returns
 * performance.now() of that moment, or null if it never ran within `ms`.
 */
async function lastActivity(pid: number, ms: number): Promise<number | null> {
  let last: number | null = null;
  let ns = mainThreadNs(pid);
  const end = performance.now() + ms;
  while (performance.now() < end) {
    await sleep(2);
    const now = mainThreadNs(pid);
    if (now !== ns) last = performance.now();
    ns = now;
  }
  return last;
}

interface RunOptions {
  secs: number;
  warmupMs: number;
  nodeFlags: string[];
  bin: string;
  forkRate: number;
}

async function runCase(c: Case, o: RunOptions): Promise<RunResult> {
  const secs = o.secs;
  const period = 1000 / c.hz;
  const dir = c.tool === "capture" ? mkdtempSync(join(tmpdir(), "tsnap-overhead-")) : null;
  const args =
    c.tool === "capture"
      ? ["capture", "-o", dir!, "--format", "csv"]
      : ["top", "-d", String(secs + 60), "--format", "csv"];
  args.push("--hz", String(c.hz), "--source", c.source);
  if (c.all) args.push("-a");
  const storm =
    c.load === "fork"
      ? await startWorkload(compileWorkload("fork-storm", "bench/c"), [String(o.forkRate)])
      : null;
  const env = { ...process.env };
  if (c.hists === "all") delete env.TSNAP_LATENCY_HISTS;
  else env.TSNAP_LATENCY_HISTS = c.hists;
  const t0 = performance.now();
  const child = spawn(process.execPath, [...o.nodeFlags, o.bin, ...args], {
    stdio: ["ignore", "ignore", "pipe"],
    env,
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const fail = (what: string) =>
    new Error(`${c.tool} ${c.source}: ${what}${stderr ? `: ${stderr.trim().split("\n").at(-1)}` : ""}`);
  try {
    const pid = child.pid!;
    let firstRowS: number | null = null;
    if (dir !== null) {
      while (!hasSampleRow(dir)) {
        if (done) throw fail("exited before the first row");
        if (performance.now() - t0 > 20_000) throw fail("no row on disk after 20 s");
        await sleep(5);
      }
      firstRowS = (performance.now() - t0) / 1000;
    }
    // Start-up over (JIT warm-up, V8's memory-reducer GCs ~8 s after start): wait
    // warmupMs and at least 3 rounds, then find the phase of the process's wake-ups: each
    // round (user-space rounds) or each collection (the bpf source's in-kernel clock: every
    // second for capture, every 250 ms for top; loop.ts).
    const spacing = c.source === "bpf" ? Math.max(period, c.tool === "capture" ? 1000 : 250) : period;
    await sleep(Math.max(o.warmupMs, 3 * spacing) - (performance.now() - t0));
    if (done) throw fail("exited");
    const act = await lastActivity(pid, spacing + 50);
    if (act === null) throw fail(`main thread idle for ${spacing + 50} ms`);
    // Snapshots halfway between wake-ups, a whole number of them (and seconds) apart.
    const start = act + spacing / 2 + Math.ceil((performance.now() - act) / spacing) * spacing;
    const windowMs = Math.max(1, Math.round(secs)) * 1000;
    await sleep(start - performance.now());
    const r0 = dir !== null ? roundsOnDisk(dir) : 0;
    const c0 = cpuNs(pid);
    const k0 = clockProgStats(pid);
    await sleep(start + windowMs - performance.now());
    const c1 = cpuNs(pid);
    const k1 = clockProgStats(pid);
    const r1 = dir !== null ? roundsOnDisk(dir) : 0;
    const rssMb = vmHwmMb(pid);
    if (done) throw fail("exited during the window");
    let ns = 0;
    let lostThreads = 0;
    for (const [t, v] of c1) ns += v - (c0.get(t) ?? 0);
    for (const t of c0.keys()) if (!c1.has(t)) lostThreads++;
    const rounds = dir !== null ? r1 - r0 : (windowMs / 1000) * c.hz;
    if (rounds <= 0) throw fail("no rounds in the window");
    const clock = k1.runs > k0.runs;
    return {
      msPerRound: ns / 1e6 / rounds,
      clockMsPerRound: clock ? (k1.ns - k0.ns) / 1e6 / rounds : null,
      ticksPerS: clock ? (k1.runs - k0.runs) / (windowMs / 1000) : null,
      rounds,
      rssMb,
      firstRowS,
      lostThreads,
      dir,
    };
  } catch (err) {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
    throw err;
  } finally {
    if (!done) {
      child.kill("SIGINT");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
    }
    await storm?.stop();
  }
}

/** Peak RSS of converting one captured hour to Parquet, in a fresh process. */
async function convertRss(dir: string): Promise<{ baseMb: number; peakMb: number }> {
  const dist = join(TSNAP_BIN, "../../dist/src/store");
  const code = `
    const fs = require("node:fs");
    const hwm = () => Number(/VmHWM:\\s+(\\d+)/.exec(fs.readFileSync("/proc/self/status", "latin1"))[1]) / 1024;
    const { convertPart } = await import(${JSON.stringify(join(dist, "convert.js"))});
    const { listParts } = await import(${JSON.stringify(join(dist, "parts.js"))});
    const base = hwm();
    for (const p of listParts(${JSON.stringify(dir)})) await convertPart(${JSON.stringify(dir)}, p.files);
    process.stdout.write(JSON.stringify({ baseMb: base, peakMb: hwm() }));`;
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ["--input-type=commonjs", "-e", `(async () => {${code}})()`], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    c.stdout.on("data", (d: Buffer) => {
      out += d;
    });
    c.on("close", (rc) => (rc === 0 ? resolve(JSON.parse(out)) : reject(new Error(`convert exited ${rc}`))));
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function target(c: Case): string {
  if (c.tool === "top") return "≤ 0.6";
  if (c.hz === 1) return c.all ? "≤ 2.5" : "≤ 0.6";
  return "";
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      threads: { type: "string" },
      reps: { type: "string" },
      sources: { type: "string" },
      tools: { type: "string" },
      hz: { type: "string" },
      modes: { type: "string" },
      secs1: { type: "string" },
      secs20: { type: "string" },
      convert: { type: "boolean" },
      "node-flags": { type: "string" },
      warmup: { type: "string" },
      bins: { type: "string" },
      hists: { type: "string" },
      load: { type: "string" },
      "fork-rate": { type: "string" },
    },
  });
  const list = (v: string | undefined, d: string) => (v ?? d).split(",").filter(Boolean);
  const reps = Number(values.reps ?? 3);
  const secsAt = (hz: number) => (hz <= 1 ? Number(values.secs1 ?? 30) : Number(values.secs20 ?? 10));
  const cases: Case[] = [];
  for (const tool of list(values.tools, "capture,top") as Case["tool"][])
    for (const hz of list(values.hz, "1,20").map(Number))
      for (const mode of list(values.modes, tool === "top" ? "active" : "active,all"))
        for (const source of list(values.sources, "bpf,proc"))
          for (const load of list(values.load, "idle"))
            for (const hists of source === "bpf" ? list(values.hists, "all") : ["all"])
              for (const bin of list(values.bins, TSNAP_BIN))
                cases.push({ bin, tool, source, all: mode === "all", hz, hists, load });

  const extra = Math.max(0, Number(values.threads ?? 600) - systemThreads());
  const gt = await startWorkload(compileWorkload("ground-truth"), [
    "spin",
    "1",
    "sleep",
    String(extra),
    "pipe",
    "0",
    "vfork",
    "1",
  ]);
  const results = new Map<Case, RunResult[]>(cases.map((c) => [c, []]));
  // The kernel keeps programs' run time while this fd is open (BPF_STATS_RUN_TIME = 0).
  const statsFd = cases.some((c) => c.source === "bpf") ? Number(libbpf().bpf_enable_stats(0)) : -1;
  if (statsFd < 0 && cases.some((c) => c.source === "bpf"))
    process.stdout.write("  note: BPF_ENABLE_STATS refused: the clock's kernel time is not counted\n");
  const convert: { child: number[]; inProcess: number[] } = { child: [], inProcess: [] };
  try {
    process.stdout.write(
      `${systemThreads()} threads on the machine; ${cases.length} cases × ${reps} repetitions, alternating\n`,
    );
    for (let rep = 0; rep < reps; rep++) {
      for (const c of cases) {
        try {
          const r = await runCase(c, {
            secs: secsAt(c.hz),
            warmupMs: Number(values.warmup ?? 10) * 1000,
            nodeFlags: list(values["node-flags"], "").flatMap((f) => f.split(" ")),
            bin: c.bin,
            forkRate: Number(values["fork-rate"] ?? 300),
          });
          results.get(c)!.push(r);
          if (r.dir !== null) {
            if (values.convert && c.all && c.hz === 1) {
              const cv = await convertRss(r.dir);
              convert.child.push(cv.peakMb);
              convert.inProcess.push(r.rssMb + cv.peakMb - cv.baseMb);
            }
            rmSync(r.dir, { recursive: true, force: true });
          }
          if (r.lostThreads > 0)
            process.stdout.write(`  note: ${r.lostThreads} thread(s) of ${c.tool} exited mid-window\n`);
        } catch (err) {
          process.stdout.write(`  ${(err as Error).message}\n`);
        }
      }
      process.stdout.write(`repetition ${rep + 1} of ${reps} done\n`);
    }
  } finally {
    await gt.stop();
    if (statsFd >= 0) closeSync(statsFd);
  }
  const f = (xs: number[], d: number) =>
    xs.length === 0 ? "-" : `${Math.min(...xs).toFixed(d)} / ${median(xs).toFixed(d)}`;
  const rows = cases.map((c) => {
    const rs = results.get(c)!;
    return [
      ...(values.bins ? [c.bin] : []),
      c.tool,
      c.source,
      c.all ? "-a" : "active",
      String(c.hz),
      c.source === "bpf" ? c.hists : "",
      c.load,
      String(rs.length ? Math.round(median(rs.map((r) => r.rounds))) : "-"),
      f(
        rs.map((r) => r.msPerRound),
        3,
      ),
      c.source === "bpf"
        ? f(
            rs.flatMap((r) => (r.clockMsPerRound === null ? [] : [r.clockMsPerRound])),
            3,
          )
        : "",
      c.source === "bpf"
        ? f(
            rs.flatMap((r) => (r.clockMsPerRound === null ? [] : [r.msPerRound + r.clockMsPerRound])),
            3,
          )
        : "",
      c.source === "bpf"
        ? f(
            rs.flatMap((r) => (r.ticksPerS === null ? [] : [r.ticksPerS])),
            0,
          )
        : "",
      target(c),
      f(
        rs.map((r) => r.rssMb),
        0,
      ),
      c.tool === "capture" ? "≤ 80" : "",
      c.tool === "capture"
        ? f(
            rs.map((r) => r.firstRowS ?? Number.NaN),
            2,
          )
        : "",
    ];
  });
  process.stdout.write(
    `${renderTable(
      [
        ...(values.bins ? ["build"] : []),
        "tool",
        "source",
        "threads",
        "hz",
        "hists",
        "load",
        "rounds",
        "CPU ms/round min / median",
        "+ clock in kernel",
        "= total",
        "clock runs/s",
        "target",
        "peak RSS MB",
        "target",
        "first row s",
      ],
      rows,
    )}\n`,
  );
  if (convert.child.length > 0) {
    process.stdout.write(
      `closing an hour (-a, 1 Hz part, Parquet): converter process peak ${f(convert.child, 0)} MB; in the capture process it would peak at ${f(convert.inProcess, 0)} MB\n`,
    );
  }
}

await main();
