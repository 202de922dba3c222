// Benchmark of a big hour: a synthetic tsnap hour (threads × rounds sample rows, real
// schema) is converted to Parquet with the capture's settings (256 MB, one thread, spill
// inside the directory), in a child process whose peak RSS is read from /proc; then
// `tsnap query -g state,comm` runs over the CSV and over the Parquet hour (min and median
// of --runs), with the database locked down as every query is.
//   node dist/bench/convert-big.js [--threads 10000] [--rounds 500] [--runs 3] [--tsnap BIN]
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { TSNAP_BIN } from "../src/testkit/cli.js";
import { writeSyntheticHour } from "../src/testkit/synthetic-hour.js";
import { REPO_ROOT } from "../src/testkit/workloads.js";

const { values } = parseArgs({
  options: {
    threads: { type: "string", default: "10000" },
    rounds: { type: "string", default: "500" },
    runs: { type: "string", default: "3" },
    tsnap: { type: "string", default: TSNAP_BIN },
  },
});
const root = mkdtempSync(join(tmpdir(), "tsnap-bench-big-"));
try {
  const csvDir = join(root, "csv");
  const pqDir = join(root, "pq");
  mkdirSync(csvDir);
  let t0 = performance.now();
  const h = writeSyntheticHour(csvDir, "2026-01-01.00", Number(values.threads), Number(values.rounds));
  console.log(
    `generated ${h.rows} rows, ${(statSync(h.samplesPath).size / 1e6).toFixed(0)} MB CSV in ${((performance.now() - t0) / 1e3).toFixed(1)} s`,
  );
  cpSync(csvDir, pqDir, { recursive: true });
  const script = `const { convertPart } = await import(${JSON.stringify(join(REPO_ROOT, "dist/src/store/convert.js"))});
    const { listParts } = await import(${JSON.stringify(join(REPO_ROOT, "dist/src/store/parts.js"))});
    for (const p of listParts(process.argv[1])) await convertPart(process.argv[1], p.files);`;
  t0 = performance.now();
  const conv = spawnSync(
    "/usr/bin/time",
    ["-f", "%M", process.execPath, "--input-type=module", "-e", script, pqDir],
    {
      encoding: "utf8",
    },
  );
  if (conv.status !== 0) throw new Error(`conversion failed: ${conv.stderr}`);
  const rssKb = Number(conv.stderr.trim().split("\n").at(-1));
  console.log(
    `converted in ${((performance.now() - t0) / 1e3).toFixed(1)} s, peak RSS of the converting process ${(rssKb / 1024).toFixed(0)} MB (DuckDB limit 256 MB)`,
  );
  for (const [name, dir] of [
    ["CSV", csvDir],
    ["Parquet", pqDir],
  ]) {
    const ms: number[] = [];
    for (let i = 0; i < Number(values.runs); i++) {
      t0 = performance.now();
      const r = spawnSync(
        process.execPath,
        [values.tsnap, "query", dir, "-g", "state,comm", "--format", "csv"],
        {
          encoding: "utf8",
        },
      );
      if (r.status !== 0) throw new Error(`query failed: ${r.stderr}`);
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    console.log(
      `query -g state,comm over ${name}: min ${ms[0].toFixed(0)} ms, median ${ms[Math.floor(ms.length / 2)].toFixed(0)} ms`,
    );
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
