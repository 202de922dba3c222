// Benchmark of the capture files and history queries:
//  1. bytes on disk per sample row in Parquet: a real capture of this machine (proc source,
//     all threads, --hz 10 for N seconds) and a synthetic 24 h capture;
//  2. `tsnap query` time over the synthetic 24 h at 1 Hz with 500 active threads
//     (86,400 rounds × 500 = 43.2 M rows) grouped by 3 columns;
//  3. capture CPU at 1 Hz (proc source), from the rounds files' own overhead log.
//   node dist/bench/store-query.js [--real-seconds 60] [--cpu-seconds 60] [--keep DIR]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Duck } from "../src/query/duck.js";
import { renderTable } from "../src/report/table.js";
import { TSNAP_BIN } from "../src/testkit/cli.js";
import { writeSyntheticHours } from "./synthetic-capture.js";

const { values } = parseArgs({
  options: {
    "real-seconds": { type: "string", default: "60" },
    "cpu-seconds": { type: "string", default: "60" },
    keep: { type: "string" },
    threads: { type: "string", default: "500" },
    hours: { type: "string", default: "24" },
  },
});
const THREADS = Number(values.threads);
const HOURS = Number(values.hours);

function tsnap(args: string[]): { ms: number; stdout: string; stderr: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [TSNAP_BIN, ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`tsnap ${args.join(" ")} failed: ${r.stderr}`);
  return { ms: performance.now() - t0, stdout: r.stdout, stderr: r.stderr };
}

function bytesOf(dir: string, prefix: string): number {
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith(".parquet"))
    .reduce((a, f) => a + statSync(join(dir, f)).size, 0);
}

async function rowsOf(duck: Duck, dir: string, table: string): Promise<number> {
  const r = await duck.all(`SELECT count(*) AS n FROM read_parquet('${dir}/tsnap_${table}_*.parquet')`);
  return Number(r[0].n);
}

async function main(): Promise<void> {
  const base = values.keep ?? mkdtempSync(join(tmpdir(), "tsnap-bench-"));
  mkdirSync(base, { recursive: true });
  const results: (string | number)[][] = [];
  const duck = await Duck.open();
  try {
    // 1a. Real capture of this machine.
    const real = join(base, "real");
    rmSync(real, { recursive: true, force: true });
    tsnap([
      "capture",
      "-o",
      real,
      "--source",
      "proc",
      "-a",
      "--hz",
      "10",
      "-d",
      String(values["real-seconds"]),
    ]);
    const realRows = await rowsOf(duck, real, "samples");
    results.push(["real capture (proc, -a, 10 Hz): sample rows", realRows]);
    results.push([
      "  Parquet bytes per sample row (samples file)",
      +(bytesOf(real, "tsnap_samples_") / realRows).toFixed(2),
    ]);
    results.push([
      "  Parquet bytes per sample row (all files of the hour)",
      +(bytesOf(real, "tsnap_") / realRows).toFixed(2),
    ]);

    // 1b + 2. Synthetic 24 h.
    const syn = join(base, "synthetic");
    if (!existsSync(join(syn, `tsnap_samples_2026-01-01.${String(HOURS - 1).padStart(2, "0")}.parquet`))) {
      rmSync(syn, { recursive: true, force: true });
      mkdirSync(syn, { recursive: true });
      const t0 = performance.now();
      await writeSyntheticHours(duck, syn, { hours: HOURS, threads: THREADS, lathist: false });
      results.push(["synthetic: generation time, s", +((performance.now() - t0) / 1000).toFixed(1)]);
    }
    const synRows = await rowsOf(duck, syn, "samples");
    results.push([`synthetic ${HOURS} h, 1 Hz, ${THREADS} threads: sample rows`, synRows]);
    results.push(["  Parquet bytes per sample row", +(bytesOf(syn, "tsnap_samples_") / synRows).toFixed(2)]);
    for (const groups of ["state,syscall,comm", "state,comm2,kstack_hash", "time_1h,state,exe"]) {
      const times: number[] = [];
      let out = "";
      for (let i = 0; i < 3; i++) {
        const r = tsnap([
          "query",
          syn,
          "--from",
          `-${HOURS}h`,
          "-g",
          groups,
          "--format",
          "json",
          "--limit",
          "20",
        ]);
        times.push(r.ms);
        out = r.stdout;
      }
      const j = JSON.parse(out);
      results.push([
        `  query -g ${groups} over ${HOURS} h (wall, whole CLI), best / worst of 3, s`,
        `${(Math.min(...times) / 1000).toFixed(2)} / ${(Math.max(...times) / 1000).toFixed(2)}`,
      ]);
      results.push(["    groups shown; covered seconds", `${j.rows.length}; ${j.window.covered_seconds}`]);
    }
    const all = JSON.parse(
      tsnap(["query", syn, "--from", `-${HOURS}h`, "-g", "state", "--format", "json", "--limit", "0"]).stdout,
    );
    const total = all.rows.reduce((a: number, r: { avg_threads: number }) => a + r.avg_threads, 0);
    results.push([`  check: total avg_threads (expect ${THREADS})`, +total.toFixed(3)]);

    // 3. Capture CPU at 1 Hz, from the capture's own overhead log (rounds.cpu_us).
    for (const all of [false, true]) {
      const cdir = join(base, `cpu-${all ? "all" : "active"}`);
      rmSync(cdir, { recursive: true, force: true });
      const r = tsnap([
        "capture",
        "-o",
        cdir,
        "--source",
        "proc",
        ...(all ? ["-a"] : []),
        "-d",
        String(values["cpu-seconds"]),
      ]);
      const rows = await duck.all(
        `SELECT count(*) AS rounds, avg(cpu_us) AS cpu, quantile_cont(cpu_us, 0.5) AS p50, avg(threads_seen) AS threads, avg(sample_rows) AS rows_per
         FROM read_parquet('${cdir}/tsnap_rounds_*.parquet') WHERE timestamp > (SELECT min(timestamp) FROM read_parquet('${cdir}/tsnap_rounds_*.parquet'))`,
      );
      const x = rows[0];
      results.push([
        `capture 1 Hz ${all ? "-a (all threads)" : "(active threads)"}: CPU per round, ms (avg / p50)`,
        `${(Number(x.cpu) / 1000).toFixed(2)} / ${(Number(x.p50) / 1000).toFixed(2)}`,
      ]);
      results.push([
        "  = % of one CPU at 1 Hz; threads seen; rows per round",
        `${(Number(x.cpu) / 1e4).toFixed(3)}%; ${Number(x.threads).toFixed(0)}; ${Number(x.rows_per).toFixed(1)}`,
      ]);
      results.push(["  last stderr line", r.stderr.trim().split("\n").at(-1) ?? ""]);
      if (!all) continue; // active-only rows on an idle machine are too few for a per-row figure
      const n = Number(
        (await duck.all(`SELECT count(*) AS n FROM read_parquet('${cdir}/tsnap_samples_*.parquet')`))[0].n,
      );
      results.push([
        "  Parquet bytes per sample row (samples file; all files)",
        `${(bytesOf(cdir, "tsnap_samples_") / n).toFixed(2)}; ${(bytesOf(cdir, "tsnap_") / n).toFixed(2)}`,
      ]);
    }
  } finally {
    duck.close();
    if (!values.keep) rmSync(base, { recursive: true, force: true });
  }
  process.stdout.write(renderTable(["figure", "value"], results));
  void execFileSync;
}

await main();
