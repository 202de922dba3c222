// Where a round of `tsnap capture` spends its time: runs capture in this process (the CLI's
// main) on a machine with ~N threads (mostly sleeping: test/workloads/ground-truth.c) and
// times the phases of every round by wrapping the methods that do them (process CPU ms,
// getrusage: the main thread's work plus whatever other threads did meanwhile): the in-kernel clock's collection (ring
// buffer read and record decode, with the per-process /proc lookups inside it), the samples
// store (row building, dictionary rows, the CSV writes), the latency histograms (map
// reads and deltas; lathist rows and their write), plus V8's GC pauses; the process's CPU
// per round (process.cpuUsage) is the total. After --warmup seconds, for --secs seconds.
//   node dist/bench/capture-breakdown.js [--root DIR] [--threads 600] [--secs 40] [--warmup 10]
//        [--hz 1] [--active] [--hists all|sc|none]
// --root: a built checkout whose dist/ to measure (default this one; e.g. /work/main to get
// the figures of another build: the phases are found by class and method name, and a
// method a build does not have is left out of its table). The bpf source needs root.
// Run alone, under the CPU lock: flock /tmp/tsnap-cpu.lock node dist/bench/capture-breakdown.js
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { compileWorkload, startWorkload, systemThreads } from "../src/testkit/workloads.js";

const { values } = parseArgs({
  options: {
    root: { type: "string" },
    threads: { type: "string", default: "600" },
    secs: { type: "string", default: "40" },
    warmup: { type: "string", default: "10" },
    hz: { type: "string", default: "1" },
    active: { type: "boolean", default: false },
    hists: { type: "string", default: "all" },
  },
});
const root = resolve(values.root ?? join(import.meta.dirname, "../.."));
const load = (p: string) => import(pathToFileURL(join(root, "dist/src", p)).href);

if (values.hists === "all") delete process.env.TSNAP_LATENCY_HISTS;
else process.env.TSNAP_LATENCY_HISTS = values.hists;

/** Phase name → [class, method] wrapped; nested phases are shown under their parent. */
const PHASES: [string, string, string, string][] = [
  ["collect: ring read + decode", "sources/bpf/kernel-clock.js", "BpfKernelClock", "collect"],
  ["writeRound: samples rows + writes", "store/hourly-store.js", "HourlyStore", "writeRound"],
  ["  samples row text", "store/hourly-store.js", "HourlyStore", "samplesText"],
  ["  append (encode + write)", "store/hourly-store.js", "HourlyStore", "append"],
  ["  appendBytes (write)", "store/hourly-store.js", "HourlyStore", "appendBytes"],
  ["hists delta (map reads)", "sources/bpf/latency-hists.js", "LatencyHistograms", "delta"],
  ["  takeRq (run-queue map)", "sources/bpf/latency-hists.js", "LatencyHistograms", "takeRq"],
  ["hists deltas into rows", "sources/bpf/latency-hists.js", "LatencyHistograms", "deltaInto"],
  ["lathist append", "store/hourly-store.js", "HourlyStore", "appendCsv"],
  ["lathist append", "store/hourly-store.js", "HourlyStore", "appendLathist"],
];

let measuring = false;
const spent = new Map<string, number>();
for (const [name, file, cls, method] of PHASES) {
  const mod = await load(file);
  const proto = mod[cls]?.prototype;
  const orig = proto?.[method];
  if (typeof orig !== "function") continue;
  spent.set(name, 0);
  proto[method] = function (this: unknown, ...args: unknown[]) {
    if (!measuring) return orig.apply(this, args);
    const t = process.cpuUsage();
    try {
      return orig.apply(this, args);
    } finally {
      const d = process.cpuUsage(t);
      spent.set(name, spent.get(name)! + (d.user + d.system) / 1000);
    }
  };
}
let gcMs = 0;
let gcs = 0;
new PerformanceObserver((list) => {
  if (!measuring) return;
  for (const e of list.getEntries()) {
    gcMs += e.duration;
    gcs++;
  }
}).observe({ entryTypes: ["gc"] });

const { main } = await load("cli/main.js");
const extra = Math.max(0, Number(values.threads) - systemThreads());
const gt = await startWorkload(compileWorkload("ground-truth"), ["spin", "1", "sleep", String(extra)]);
const dir = mkdtempSync(join(tmpdir(), "tsnap-breakdown-"));
const controller = new AbortController();
const args = ["capture", "-o", dir, "--format", "csv", "--hz", values.hz!, "--source", "bpf"];
if (!values.active) args.push("-a");
const notices: string[] = [];
const run = main(args, {
  out: (t: string) => notices.push(t),
  err: (t: string) => notices.push(t),
  signal: controller.signal,
  isTTY: false,
  columns: 0,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
await sleep(Number(values.warmup) * 1000);
// Rounds: the store's writeRound calls in the window.
const { HourlyStore } = await load("store/hourly-store.js");
let rounds = 0;
const wr = HourlyStore.prototype.writeRound;
HourlyStore.prototype.writeRound = function (this: unknown, ...a: unknown[]) {
  if (measuring) rounds++;
  return wr.apply(this, a);
};
const cpu0 = process.cpuUsage();
measuring = true;
await sleep(Number(values.secs) * 1000);
measuring = false;
const cpu = process.cpuUsage(cpu0);
controller.abort("SIGINT");
const threads = systemThreads();
const rc = await run;
await gt.stop();
rmSync(dir, { recursive: true, force: true });
const n = Math.max(1, rounds);
const ms = (v: number) => (v / n).toFixed(3).padStart(8);
process.stdout.write(
  `${root}: capture ${values.active ? "active" : "-a"} at ${values.hz} Hz, hists ${values.hists}, ${threads} threads, ${n} rounds (exit ${rc})\n`,
);
process.stdout.write(`${ms((cpu.user + cpu.system) / 1000)} ms/round  process CPU (all threads)\n`);
for (const [name, v] of spent) process.stdout.write(`${ms(v)} ms/round  ${name}\n`);
process.stdout.write(`${ms(gcMs)} ms/round  GC pauses (${(gcs / n).toFixed(1)} a round)\n`);
