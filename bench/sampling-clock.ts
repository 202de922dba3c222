// Benchmark: does the sampler move the samples? The contention workload (4 threads in
// O_DIRECT 4 KiB random preads of a real file + twice as many spinners as CPUs) sampled by
// `tsnap top --source bpf --hz N` with the in-kernel clock and with user-space rounds
// (TSNAP_CLOCK=user, the path before the clock), each against the kernel's schedstat
// deltas of the same threads over the same window; and the clock program's kernel time
// per round (bpf_stats) at this machine's thread count. The reference is taken over exactly
// the window tsnap sampled (testkit WindowReference), not over its start-up.
// With --clock-cpus all,0,1 the kernel clock runs on all CPUs (TSNAP_CLOCK_CPU=all: their
// ticks interleaved, each period's slot drawn), then on CPU 0 alone (the default), then on
// CPU 1 alone (TSNAP_CLOCK_CPU). With --as-found each kernel variant runs again without the clock's
// correction for its own walk (TSNAP_CLOCK_AS_FOUND=1: threads woken onto the clock's CPU
// while it walks are read as runnable, as found; docs/bpf-source.md).
//   node dist/bench/sampling-clock.js [--runs N] [--seconds S] [--hz N] [--clock-cpus LIST] [--as-found]
// Run it alone, under the CPU lock (flock /tmp/tsnap-cpu.lock ...). Needs root.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { renderTable } from "../src/report/table.js";
import { openBpfSampler } from "../src/sources/bpf/bpf-sampler.js";
import type { BpfKernelClock } from "../src/sources/bpf/kernel-clock.js";
import { runTsnap } from "../src/testkit/cli.js";
import { startContention, WindowReference } from "../src/testkit/contention.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string" },
    seconds: { type: "string" },
    hz: { type: "string" },
    "clock-cpus": { type: "string" },
    "as-found": { type: "boolean" },
  },
});
const clockCpus = values["clock-cpus"]?.split(",").filter((c) => /^(\d+|all)$/.test(c));
const asFound = values["as-found"] === true;
const variants = (
  clockCpus
    ? clockCpus.map((c) =>
        c === "all"
          ? { label: "kernel, all CPUs", env: { TSNAP_CLOCK: "kernel", TSNAP_CLOCK_CPU: "all" } }
          : { label: `kernel, CPU ${c}`, env: { TSNAP_CLOCK: "kernel", TSNAP_CLOCK_CPU: c } },
      )
    : ["kernel", "user"].map((c) => ({ label: c, env: { TSNAP_CLOCK: c } }))
).flatMap((v) =>
  asFound && v.env.TSNAP_CLOCK === "kernel"
    ? [v, { label: `${v.label}, as found`, env: { ...v.env, TSNAP_CLOCK_AS_FOUND: "1" } }]
    : [v],
);
const runs = Number(values.runs ?? 3);
const seconds = Number(values.seconds ?? 8);
const hz = values.hz ?? "20";

interface Row {
  pid: number;
  state: string;
  avg_threads: number;
}

const w = await startContention({ seconds: runs * variants.length * (seconds + 5) + 30 });
const table: (string | number)[][] = [];
try {
  await new Promise((r) => setTimeout(r, 500));
  for (let i = 0; i < runs; i++) {
    for (const v of variants) {
      const ref = new WindowReference([{ pid: w.ioPid }, { pid: w.hogPid }]);
      const r = await runTsnap(
        [
          "top",
          "--source",
          "bpf",
          "--hz",
          hz,
          "-d",
          String(seconds),
          "-p",
          `${w.ioPid},${w.hogPid}`,
          "-g",
          "pid,state",
          "--format",
          "json",
        ],
        { env: { ...process.env, ...v.env }, onSpawn: (pid) => ref.watch(pid) },
      ).finally(() => ref.stop());
      if (r.code !== 0) throw new Error(r.stderr);
      const rows = JSON.parse(r.stdout) as Row[];
      const got = (pid: number, s: string) =>
        rows.filter((x) => x.pid === pid && x.state === s).reduce((t, x) => t + x.avg_threads, 0);
      // The user-space path opens no perf event: its window is then the whole run.
      const io = ref.reference(0, ref.clockAt === null ? undefined : seconds);
      const hog = ref.reference(1, ref.clockAt === null ? undefined : seconds);
      const cell = (g: number, want: number) =>
        `${g.toFixed(2)} / ${want.toFixed(2)} (${(g - want >= 0 ? "+" : "") + (g - want).toFixed(2)})`;
      table.push([
        v.label,
        cell(got(w.ioPid, "RUN"), io.RUN),
        cell(got(w.ioPid, "RUNQ"), io.RUNQ),
        cell(got(w.ioPid, "DISK"), io.DISK),
        cell(got(w.hogPid, "RUN"), hog.RUN),
        cell(got(w.hogPid, "RUNQ"), hog.RUNQ),
      ]);
    }
  }
} finally {
  await w.stop();
}
process.stdout.write(
  `top --hz ${hz} -d ${seconds}, tsnap / schedstat reference (difference), avg_threads\n` +
    renderTable(["clock", "readers RUN", "readers RUNQ", "readers DISK", "hogs RUN", "hogs RUNQ"], table),
);

// Kernel time of the clock program per round, with bpf_stats on.
if (!clockCpus) await clockStats();

async function clockStats() {
  const stats = "/proc/sys/kernel/bpf_stats_enabled";
  const old = readFileSync(stats, "utf8");
  writeFileSync(stats, "1");
  try {
    const lines: (string | number)[][] = [];
    for (const [what, all, needs] of [
      ["active only", false, []],
      ["-a", true, []],
      ["-a, syscall args, filename, kstack", true, ["syscall", "filename", "kstack"]],
    ] as const) {
      const s = await openBpfSampler({ hz: 20, all, needs: new Set(needs) });
      try {
        s.kernelClock!.start();
        await new Promise((r) => setTimeout(r, 2000));
        const rs = s.kernelClock!.collect();
        const info = JSON.parse(
          execFileSync(
            "bpftool",
            ["-j", "prog", "show", "id", String((s.kernelClock as BpfKernelClock).programId())],
            {
              encoding: "utf8",
            },
          ),
        );
        const c = (s.kernelClock as BpfKernelClock).counters;
        lines.push([
          what,
          rs.at(-1)?.threadsSeen ?? 0,
          (info.run_time_ns / Math.max(1, c.rounds) / 1000).toFixed(1),
          (c.walkNs / Math.max(1, c.rounds) / 1000).toFixed(1),
          (c.wokenLate / Math.max(1, c.rounds)).toFixed(2),
          `${c.takenForHeld}/${c.rounds}`,
        ]);
      } finally {
        s.close();
      }
    }
    process.stdout.write(
      `\nin-kernel clock program (bpf_stats: every CPU's ticks; the walk: its round end records)\n${renderTable(
        [
          "rows",
          "threads",
          "program µs per round",
          "walk µs per round",
          "woken late per round",
          "taken for a held CPU",
        ],
        lines,
      )}`,
    );
  } finally {
    writeFileSync(stats, old);
  }
}
