// What --unwind dwarf costs beside frame pointers, on nofp-chain.c (built -O2
// -fomit-frame-pointer: its main thread spins in main → worker → hot, its "reader" thread
// blocks in read() ~100 times a second). `profile -F HZ -p PID` and `offcputime -p PID`,
// run in this process for SECONDS, modes alternating, REPS times. Figures per mode: tsnap's
// CPU (this process) while sampling, from 1 s after the start to the end (after load and
// attach, before the final read and symbolization), as % of one CPU; the time its
// collector spends decoding and unwinding one record (dwarf); the BPF program's own run time per run (bpf_stats,
// BPF_ENABLE_STATS for the run: it runs in the sampled thread's interrupt or in the
// scheduler, not in tsnap; offcputime's runs are every switch of the machine, most filtered
// out at once); bytes per sample handed to user space (dwarf: ring-buffer records; fp: the
// counting map's entries read once at the end); the share of the thread's samples (main
// thread; offcputime: reader's time) with the full chain. Prints min and median.
// Run: flock /tmp/tsnap-cpu.lock node dist/bench/unwind-cost.js [SECONDS] [REPS] [HZ]
import { closeSync, readdirSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { libbpf } from "../src/bpf/libbpf.js";
import type { StackRow } from "../src/report/stack-report.js";
import { renderTable } from "../src/report/table.js";
import { compileWorkload, startWorkload } from "../src/testkit/workloads.js";
import { offcputime, parseOffcpuArgs } from "../src/tools/offcputime/offcputime.js";
import { PROFILE_KEY, parseProfileArgs, profile } from "../src/tools/profile/profile.js";
import type { UnwindStats } from "../src/tools/unwind-stacks.js";

const SECONDS = Number(process.argv[2] ?? 10);
const REPS = Number(process.argv[3] ?? 3);
const HZ = process.argv[4] ?? "199";
const MODES = ["fp", "dwarf", "dwarf,16384"];

/** Run time (ns) and runs of this process's BPF programs, from fdinfo (bpf_stats on). */
function progStats(): { ns: number; runs: number } {
  const seen = new Set<string>();
  let ns = 0;
  let runs = 0;
  for (const fd of readdirSync("/proc/self/fdinfo")) {
    let info: string;
    try {
      info = readFileSync(`/proc/self/fdinfo/${fd}`, "latin1");
    } catch {
      continue;
    }
    const field = (k: string) => new RegExp(`^${k}:\\s+(\\d+)$`, "m").exec(info)?.[1];
    const id = field("prog_id");
    const time = field("run_time_ns");
    if (id === undefined || time === undefined || seen.has(id)) continue;
    seen.add(id);
    ns += Number(time);
    runs += Number(field("run_cnt") ?? 0);
  }
  return { ns, runs };
}

interface Run {
  samples: number;
  cpuUs: number;
  /** µs of the collector per ring record (dwarf). */
  unwindUs: number;
  kernNsPerRun: number;
  bytesPerSample: number;
  fullShare: number;
}

type Result = { rows: StackRow[]; unwind?: UnwindStats };

/** Runs `f` for `seconds`, sampling the kernel program's stats just before it detaches. */
async function measure(
  f: (signal: AbortSignal) => Promise<Result>,
  seconds: number,
): Promise<{ r: Result; cpuUs: number; ns: number; runs: number }> {
  const ac = new AbortController();
  let k = { ns: 0, runs: 0 };
  let c0 = process.cpuUsage();
  let cpuUs = 0;
  const from = setTimeout(() => {
    c0 = process.cpuUsage();
  }, 1000);
  const timer = setTimeout(() => {
    const c = process.cpuUsage(c0);
    cpuUs = c.user + c.system;
    k = progStats();
    ac.abort();
  }, seconds * 1000);
  const r = await f(ac.signal);
  clearTimeout(from);
  clearTimeout(timer);
  return { r, cpuUs, ...k };
}

const bin = compileWorkload("nofp-chain", "test/workloads", ["-fomit-frame-pointer"]);
const comm = basename(bin).slice(0, 15);
const w = await startWorkload(bin, []);
const statsFd = Number(libbpf().bpf_enable_stats(0));
const results = new Map<string, Run[]>();
try {
  const pid = w.ready[1];
  for (let rep = 0; rep < REPS; rep++) {
    for (const mode of MODES) {
      const po = parseProfileArgs(["-F", HZ, "-p", pid, "--unwind", mode, "-f", "3600"]);
      const p = await measure((s) => profile(po, s), SECONDS);
      const mine = p.r.rows.filter((r) => r.comm === comm);
      const samples = p.r.rows.reduce((n, r) => n + r.value, 0);
      const full = mine
        .filter(
          (r) =>
            r.user.kind === "frames" && r.user.frames.at(-1) === "_start" && r.user.frames.includes("main"),
        )
        .reduce((n, r) => n + r.value, 0);
      const bytes = p.r.unwind ? p.r.unwind.bytes : p.r.rows.length * (PROFILE_KEY.size + 8);
      const list = results.get(`profile ${mode}`) ?? [];
      list.push({
        samples,
        cpuUs: p.cpuUs,
        unwindUs: p.r.unwind ? (1000 * p.r.unwind.unwindMs) / Math.max(1, p.r.unwind.records) : Number.NaN,
        kernNsPerRun: p.ns / Math.max(1, p.runs),
        bytesPerSample: bytes / Math.max(1, samples),
        fullShare:
          full /
          Math.max(
            1,
            mine.reduce((n, r) => n + r.value, 0),
          ),
      });
      results.set(`profile ${mode}`, list);

      const oo = parseOffcpuArgs(["-p", pid, "--unwind", mode, "-f", "3600"]);
      const o = await measure((s) => offcputime(oo, s), SECONDS);
      const readerRows = o.r.rows.filter((r) => r.comm === "reader");
      const readerAll = readerRows.reduce((n, r) => n + r.value, 0);
      const readerFull = readerRows
        .filter(
          (r) =>
            r.user.kind === "frames" &&
            r.user.frames.at(-1) === "clone3" &&
            r.user.frames.includes("reader_fn"),
        )
        .reduce((n, r) => n + r.value, 0);
      // Samples here: switches off a CPU of the process that came back (dwarf: pending records).
      const switches = o.r.unwind ? o.r.unwind.stacks : Number.NaN;
      const ol = results.get(`offcputime ${mode}`) ?? [];
      ol.push({
        samples: switches,
        cpuUs: o.cpuUs,
        unwindUs: o.r.unwind ? (1000 * o.r.unwind.unwindMs) / Math.max(1, o.r.unwind.records) : Number.NaN,
        kernNsPerRun: o.ns / Math.max(1, o.runs),
        bytesPerSample: o.r.unwind ? o.r.unwind.bytes / Math.max(1, o.r.unwind.stacks) : Number.NaN,
        fullShare: readerFull / Math.max(1, readerAll),
      });
      results.set(`offcputime ${mode}`, ol);
    }
  }
} finally {
  if (statsFd >= 0) closeSync(statsFd);
  await w.stop();
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const minMed = (xs: number[], digits: number) => {
  const s = sorted(xs);
  return `${s[0].toFixed(digits)} / ${s[Math.floor(s.length / 2)].toFixed(digits)}`;
};
const lines = [...results].map(([name, runs]) => [
  name,
  minMed(
    runs.map((r) => r.samples),
    0,
  ),
  minMed(
    runs.map((r) => (100 * r.cpuUs) / 1e6 / (SECONDS - 1)),
    2,
  ),
  Number.isNaN(runs[0].unwindUs)
    ? "-"
    : minMed(
        runs.map((r) => r.unwindUs),
        1,
      ),
  minMed(
    runs.map((r) => r.kernNsPerRun / 1000),
    2,
  ),
  Number.isNaN(runs[0].bytesPerSample)
    ? "-"
    : minMed(
        runs.map((r) => r.bytesPerSample),
        0,
      ),
  minMed(
    runs.map((r) => 100 * r.fullShare),
    1,
  ),
]);
console.log(
  `nofp-chain (-O2 -fomit-frame-pointer), ${SECONDS} s per run, ${REPS} runs per mode, profile at ${HZ} Hz; min / median\n`,
);
console.log(
  renderTable(
    [
      "tool --unwind",
      "samples",
      "tsnap CPU %",
      "unwind µs/record",
      "BPF µs/run",
      "bytes/sample",
      "full chain %",
    ],
    lines,
  ),
);
console.log(
  "\nsamples: profile = samples of the process; offcputime = switches off a CPU unwound (fp counts in the kernel: -).\n" +
    "tsnap CPU %: of one CPU, from 1 s after the start to the end of sampling.",
);
