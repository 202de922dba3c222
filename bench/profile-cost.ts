// What sampling costs: `tsnap profile -F HZ -f SECONDS` on all CPUs while 2 spinners
// (hot-cold.c) keep both CPUs busy, against `perf record -F HZ -g -a` + `perf script` on the
// same load. libbpf-tools' profile where installed (Debian 12's libbpf-tools has none).
// tsnap's CPU is split in its three phases, from the kernel's accounting of its threads
// (Σ /proc/PID/task/*/schedstat run time):
//   start    spawn → the sampling window (node, modules, BPF load: vmlinux BTF, the stack map)
//   sampling a window of whole seconds inside the run, as % of one CPU: the steady cost
//   end      the window's end → exit (reading the maps, kallsyms, ELF symbols, printing)
// and the BPF program's own time (it runs in the sampled threads' interrupts, in no process's
// figures: bpf_stats, switched on with BPF_ENABLE_STATS while the benchmark runs, read from
// the tool's /proc/PID/fdinfo): ns per sample and % of one CPU over the same window.
// Totals (user+sys of the process tree) and peak RSS from /usr/bin/time -v.
// Each case is run RUNS times, alternated; min / median of each figure.
// Run: flock /tmp/tsnap-cpu.lock node dist/bench/profile-cost.js [SECONDS] [HZ] [RUNS]
//        [--vs OTHER/bin/tsnap.js] [--no-perf] [--target hot-cold|node|python3] [--unwind MODE]
// --vs alternates another build (main's: /work/main/bin/tsnap.js) with this one.
// --target node|python3: the 2 spinners are that interpreter running a busy loop through
// many of its binary's functions (JSON, regexes, sorting, hashing), and tsnap profiles the
// first one (`-p PID`): the end phase is then the symbolization of a process with a big
// binary (node: 98 MB, 153,000 function symbols), alone. --unwind is passed to tsnap.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, readdirSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { libbpf } from "../src/bpf/libbpf.js";
import { TSNAP_BIN } from "../src/testkit/cli.js";
import { compileWorkload, startWorkload } from "../src/testkit/workloads.js";

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    vs: { type: "string" },
    "no-perf": { type: "boolean", default: false },
    target: { type: "string", default: "hot-cold" },
    unwind: { type: "string" },
  },
});
const SECONDS = Number(positionals[0] ?? 30);
const HZ = positionals[1] ?? "99";
const RUNS = Number(positionals[2] ?? 3);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Figures = Record<string, number>;

/** Σ run time (ns) of every live thread of pid (0 once it is gone). */
function treeNs(pid: number): number {
  let ns = 0;
  try {
    for (const t of readdirSync(`/proc/${pid}/task`))
      ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, "latin1").split(" ")[0]);
  } catch {}
  return ns;
}

/** Run time (ns) and runs of pid's BPF programs, from fdinfo (bpf_stats on). */
function progStats(pid: number): { ns: number; runs: number } {
  const seen = new Set<string>();
  let ns = 0;
  let runs = 0;
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fdinfo`);
  } catch {}
  for (const fd of fds) {
    let info: string;
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, "latin1");
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

/** The pid of /usr/bin/time's child (the measured command). */
async function childOf(pid: number): Promise<number> {
  for (let i = 0; i < 200; i++) {
    try {
      const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, "latin1").trim();
      if (kids) return Number(kids.split(" ")[0]);
    } catch {}
    await sleep(5);
  }
  throw new Error("the measured command did not start");
}

/**
 * Runs argv under /usr/bin/time -v: CPU seconds and peak RSS (KiB) of the whole run, and
 * with `phases` the CPU of the start, of a window of whole seconds [from, to) and of the end.
 */
function measured(argv: string[], phases = false): Promise<Figures> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const c = spawn("/usr/bin/time", ["-v", ...argv], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    c.stderr.on("data", (d) => {
      err += d;
    });
    const window: Promise<Figures> = phases
      ? (async () => {
          const pid = await childOf(c.pid ?? 0);
          const from = Math.min(5, SECONDS / 4);
          const to = SECONDS - 1;
          await sleep(from * 1000 - (performance.now() - t0));
          const cpu0 = treeNs(pid);
          const bpf0 = progStats(pid);
          const w0 = performance.now();
          await sleep(to * 1000 - (performance.now() - t0));
          const cpu1 = treeNs(pid);
          const bpf1 = progStats(pid);
          const wS = (performance.now() - w0) / 1000;
          const runs = bpf1.runs - bpf0.runs;
          return {
            startS: cpu0 / 1e9,
            samplingPct: (100 * (cpu1 - cpu0)) / 1e9 / wS,
            bpfNsPerSample: runs > 0 ? (bpf1.ns - bpf0.ns) / runs : Number.NaN,
            bpfPct: (100 * (bpf1.ns - bpf0.ns)) / 1e9 / wS,
            samplesPerS: runs / wS,
            cpuAtWindowEndS: cpu1 / 1e9,
          };
        })()
      : Promise.resolve({});
    c.once("exit", async () => {
      const wallS = (performance.now() - t0) / 1000;
      const num = (re: RegExp) => Number(re.exec(err)?.[1] ?? Number.NaN);
      const cpuS = num(/User time \(seconds\): ([\d.]+)/) + num(/System time \(seconds\): ([\d.]+)/);
      const rssKiB = num(/Maximum resident set size \(kbytes\): (\d+)/);
      if (!Number.isFinite(cpuS)) return rej(new Error(`no figures from /usr/bin/time:\n${err.slice(-500)}`));
      const w = await window;
      const end: Figures = w.cpuAtWindowEndS === undefined ? {} : { endS: cpuS - w.cpuAtWindowEndS };
      delete w.cpuAtWindowEndS;
      res({ cpuS, rssKiB, wallS, ...w, ...end });
    });
  });
}

/** Busy loops through many functions of the interpreter's binary; each prints "ready PID" first. */
const INTERPRETERS: Record<string, [string, string[]]> = {
  node: [
    process.execPath,
    [
      "-e",
      `const z = require("node:zlib"), c = require("node:crypto");
       console.log("ready " + process.pid);
       for (let i = 0; ; i++) {
         const o = { a: [i, "x".repeat(i % 50)], b: { c: Math.sqrt(i) } };
         JSON.parse(JSON.stringify(o)); /(\\d+)x*/.exec("n" + i + "xx");
         [5, 3, i, 1].sort(); c.createHash("sha1").update(String(i)).digest("hex");
         if (i % 64 === 0) z.deflateSync(Buffer.alloc(512, i));
       }`,
    ],
  ],
  python3: [
    "python3",
    [
      "-c",
      `import json, re, hashlib, os, sys
print("ready", os.getpid(), flush=True)
i = 0
while True:
    o = {"a": [i, "x" * (i % 50)], "b": {"c": i ** 0.5}}
    json.loads(json.dumps(o)); re.match(r"n(\\d+)x*", "n%dxx" % i)
    sorted([5, 3, i, 1]); hashlib.sha1(str(i).encode()).hexdigest(); i += 1`,
    ],
  ],
};
const target = opt.target ?? "hot-cold";
if (target !== "hot-cold" && !INTERPRETERS[target]) throw new Error(`--target: hot-cold, node or python3`);
const [bin, binArgs] =
  INTERPRETERS[target] ??
  ([
    compileWorkload("hot-cold", "test/workloads", ["-fno-omit-frame-pointer", "-fno-optimize-sibling-calls"]),
    [],
  ] as [string, string[]]);
const spinners = [await startWorkload(bin, binArgs), await startWorkload(bin, binArgs)];
/** The profile's target flags: -p of the first interpreter, or all CPUs (hot-cold). */
const who = target === "hot-cold" ? [] : ["-p", spinners[0].ready[1]];
const unwindArgs = opt.unwind ? ["--unwind", opt.unwind] : [];
const statsFd = Number(libbpf().bpf_enable_stats(0)); // BPF_STATS_RUN_TIME, while open
try {
  const runs = new Map<string, Figures[]>();
  const add = (what: string, r: Figures) => runs.set(what, [...(runs.get(what) ?? []), r]);
  const havePerf = !opt["no-perf"] && spawnSync("perf", ["--version"]).status === 0;
  const builds = [[TSNAP_BIN, "tsnap"], ...(opt.vs ? [[opt.vs, `tsnap (${opt.vs})`]] : [])];
  for (let run = 0; run < RUNS; run++) {
    for (const [tsnap, label] of builds)
      add(
        `${label} profile ${[...who, ...unwindArgs].join(" ")} -F ${HZ} -f ${SECONDS}`,
        await measured(
          [process.execPath, tsnap, "profile", ...who, ...unwindArgs, "-F", HZ, "-f", String(SECONDS)],
          true,
        ),
      );
    if (!havePerf) continue;
    const data = "/tmp/tsnap-bench-perf.data";
    const rec = await measured([
      "perf",
      "record",
      "-F",
      HZ,
      "-g",
      ...(who.length > 0 ? who : ["-a"]),
      "-o",
      data,
      "--",
      "sleep",
      String(SECONDS),
    ]);
    const scr = await measured(["sh", "-c", `perf script -i ${data} > /dev/null`]);
    add(`perf record -F ${HZ} -g ${who.length > 0 ? who.join(" ") : "-a"} + perf script`, {
      cpuS: rec.cpuS + scr.cpuS,
      rssKiB: Math.max(rec.rssKiB, scr.rssKiB),
      wallS: rec.wallS + scr.wallS,
      recordS: rec.cpuS,
      scriptS: scr.cpuS,
    });
    spawnSync("rm", ["-f", data]);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const mm = (xs: number[], d: number) => `${Math.min(...xs).toFixed(d)} / ${median(xs).toFixed(d)}`;
  const figure: Record<string, [string, number, (x: number) => number]> = {
    cpuS: ["total CPU s", 2, (x) => x],
    totalPct: ["total % of one CPU", 2, (x) => x],
    startS: ["start CPU s", 2, (x) => x],
    samplingPct: ["sampling: process % of one CPU", 3, (x) => x],
    bpfNsPerSample: ["sampling: BPF ns per sample", 0, (x) => x],
    bpfPct: ["sampling: BPF % of one CPU", 3, (x) => x],
    samplesPerS: ["samples a second", 1, (x) => x],
    endS: ["end CPU s", 2, (x) => x],
    recordS: ["perf record CPU s", 2, (x) => x],
    scriptS: ["perf script CPU s", 2, (x) => x],
    rssKiB: ["peak RSS MiB", 1, (x) => x / 1024],
    wallS: ["wall s", 1, (x) => x],
  };
  console.log(`${RUNS} runs of ${SECONDS} s at ${HZ} Hz, 2 spinners (${target}); min / median:`);
  for (const [what, rs] of runs) {
    console.log(what);
    for (const r of rs) r.totalPct = (100 * r.cpuS) / SECONDS;
    for (const [k, [label, d, f]] of Object.entries(figure)) {
      const xs = rs.map((r) => r[k]).filter((x) => x !== undefined && Number.isFinite(x));
      if (xs.length) console.log(`  ${label.padEnd(32)} ${mm(xs.map(f), d)}`);
    }
  }
  if (statsFd < 0) console.log("bpf_stats: BPF_ENABLE_STATS refused (the BPF figures are missing)");
  if (!havePerf) console.log("perf: not run (--no-perf, or linux-perf not installed)");
  if (spawnSync("sh", ["-c", "command -v profile"]).status !== 0)
    console.log("libbpf-tools profile: not in Debian 12's libbpf-tools");
} finally {
  if (statsFd >= 0) closeSync(statsFd);
  for (const s of spinners) await s.stop();
}
