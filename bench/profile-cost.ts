// What sampling costs: `tsnap profile -F HZ` on all CPUs for SECONDS while 2 spinners
// (hot-cold.c) keep both CPUs busy, against `perf record -F HZ -g -a` + `perf script` on the
// same load (and libbpf-tools' profile where installed: Debian 12 has none). Figures: CPU
// seconds (user+sys of the tool's process tree, from wait4 rusage) as % of one CPU over the
// run, and peak RSS. The in-kernel work of the BPF program runs in the sampled threads'
// interrupts and is not in these figures (bpf_stats would show it).
// Each is run RUNS times, alternated; min / median of each figure.
// Run: flock /tmp/tsnap-cpu.lock node dist/bench/profile-cost.js [SECONDS] [HZ] [RUNS]
import { spawn, spawnSync } from "node:child_process";
import { TSNAP_BIN } from "../src/testkit/cli.js";
import { compileWorkload, startWorkload } from "../src/testkit/workloads.js";

const SECONDS = Number(process.argv[2] ?? 30);
const HZ = process.argv[3] ?? "99";
const RUNS = Number(process.argv[4] ?? 3);

type Figures = { cpuS: number; rssKiB: number; wallS: number };

/** Runs argv to completion under /usr/bin/time -v: CPU seconds and peak RSS (KiB). */
function measured(argv: string[]): Promise<{ cpuS: number; rssKiB: number; wallS: number }> {
  return new Promise((res, rej) => {
    const t0 = Date.now();
    const c = spawn("/usr/bin/time", ["-v", ...argv], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    c.stderr.on("data", (d) => {
      err += d;
    });
    c.once("exit", () => {
      const num = (re: RegExp) => Number(re.exec(err)?.[1] ?? Number.NaN);
      const cpuS = num(/User time \(seconds\): ([\d.]+)/) + num(/System time \(seconds\): ([\d.]+)/);
      const rssKiB = num(/Maximum resident set size \(kbytes\): (\d+)/);
      if (!Number.isFinite(cpuS)) rej(new Error(`no figures from /usr/bin/time:\n${err.slice(-500)}`));
      else res({ cpuS, rssKiB, wallS: (Date.now() - t0) / 1000 });
    });
  });
}

const bin = compileWorkload("hot-cold", "test/workloads", [
  "-fno-omit-frame-pointer",
  "-fno-optimize-sibling-calls",
]);
const spinners = [await startWorkload(bin, []), await startWorkload(bin, [])];
try {
  const runs = new Map<string, Figures[]>();
  const add = (what: string, r: Figures) => runs.set(what, [...(runs.get(what) ?? []), r]);
  const havePerf = spawnSync("perf", ["--version"]).status === 0;
  for (let run = 0; run < RUNS; run++) {
    add(
      `tsnap profile -F ${HZ} -f ${SECONDS}`,
      await measured([process.execPath, TSNAP_BIN, "profile", "-F", HZ, "-f", String(SECONDS)]),
    );
    if (!havePerf) continue;
    const data = "/tmp/tsnap-bench-perf.data";
    const rec = await measured([
      "perf",
      "record",
      "-F",
      HZ,
      "-g",
      "-a",
      "-o",
      data,
      "--",
      "sleep",
      String(SECONDS),
    ]);
    const scr = await measured(["sh", "-c", `perf script -i ${data} > /dev/null`]);
    add(`perf record -F ${HZ} -g -a`, rec);
    add("perf script", scr);
    add("perf record + perf script", {
      cpuS: rec.cpuS + scr.cpuS,
      rssKiB: Math.max(rec.rssKiB, scr.rssKiB),
      wallS: rec.wallS + scr.wallS,
    });
    spawnSync("rm", ["-f", data]);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const mm = (xs: number[], f: (x: number) => string) => `${f(Math.min(...xs))} / ${f(median(xs))}`;
  console.log(`${RUNS} runs of ${SECONDS} s at ${HZ} Hz, 2 spinners; min / median:`);
  for (const [what, rs] of runs) {
    const cpu = rs.map((r) => r.cpuS);
    console.log(
      `${what.padEnd(34)} cpu ${mm(cpu, (x) => x.toFixed(2))} s = ${mm(cpu, (x) => ((100 * x) / SECONDS).toFixed(2))} % of one CPU, ` +
        `peak RSS ${mm(
          rs.map((r) => r.rssKiB),
          (x) => (x / 1024).toFixed(1),
        )} MiB, wall ${mm(
          rs.map((r) => r.wallS),
          (x) => x.toFixed(1),
        )} s`,
    );
  }
  if (!havePerf) console.log("perf: not installed (linux-perf)");
  console.log(
    spawnSync("sh", ["-c", "command -v profile"]).status === 0
      ? ""
      : "libbpf-tools profile: not in Debian 12's libbpf-tools",
  );
} finally {
  for (const s of spinners) await s.stop();
}
