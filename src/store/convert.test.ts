// Conversion in bounded memory inside the systemd unit's sandbox: a 5-million-row hour
// (synthetic CSV with the real schema, written here with its own checksums) converts with
// DuckDB limited to 256 MB, in a mount namespace where / is read-only and only the
// capture directory is writable (ProtectSystem=strict), from the working directory /.
// test-lane: together
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Duck } from "../query/duck.js";
import { writeSyntheticHour } from "../testkit/synthetic-hour.js";
import { REPO_ROOT } from "../testkit/workloads.js";
import { TEMP_DIR } from "./convert.js";

const canSandbox =
  process.getuid?.() === 0 && spawnSync("unshare", ["-m", "true"]).status === 0
    ? false
    : "needs root and unshare(1) to make a read-only mount namespace";

/** Run convertPart on `dir` where only `dir` is writable (/ remounted read-only), cwd /. */
function convertInSandbox(dir: string, memoryLimit: string): { code: number | null; out: string } {
  const convert = join(REPO_ROOT, "dist/src/store/convert.js");
  const parts = join(REPO_ROOT, "dist/src/store/parts.js");
  const script = `
    const { convertPart } = await import(${JSON.stringify(convert)});
    const { listParts } = await import(${JSON.stringify(parts)});
    const fs = await import("node:fs");
    try { fs.writeFileSync("/tmp/tsnap-sandbox-probe", "x"); console.log("ROOT WRITABLE"); } catch {}
    for (const p of listParts(process.argv[1])) await convertPart(process.argv[1], p.files, { memoryLimit: process.argv[2], notice: console.log });
    console.log("converted");`;
  const sh = `mount --bind "$1" "$1" && mount -o remount,bind,ro / && cd / && exec "$2" --input-type=module -e "$3" "$1" "$4"`;
  const r = spawnSync(
    "unshare",
    ["-m", "--propagation", "private", "sh", "-c", sh, "sh", dir, process.execPath, script, memoryLimit],
    {
      encoding: "utf8",
    },
  );
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test("a 5,000,000-row hour converts under a 256 MB DuckDB limit in a read-only sandbox: every row arrives", {
  skip: canSandbox,
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnap-big-"));
  try {
    const hour = "2026-01-01.00";
    const truth = writeSyntheticHour(dir, hour, 10_000, 500);
    assert.equal(truth.rows, 5_000_000);
    const r = convertInSandbox(dir, "256MB");
    assert.equal(r.code, 0, r.out);
    assert.doesNotMatch(r.out, /ROOT WRITABLE/, "the sandbox must make / read-only");
    assert.match(r.out, /converted/);
    const names = readdirSync(dir).sort();
    assert.deepEqual(names, [`tsnap_rounds_${hour}.parquet`, `tsnap_samples_${hour}.parquet`]);
    assert.ok(!existsSync(join(dir, TEMP_DIR)), "the spill directory is removed");
    const duck = await Duck.open();
    try {
      const [got] = await duck.all(
        `SELECT count(*) AS n, sum(tid)::VARCHAR AS tid, sum(epoch_us(timestamp))::VARCHAR AS t, sum(length(comm))::VARCHAR AS c
         FROM read_parquet('${dir}/tsnap_samples_${hour}.parquet')`,
      );
      assert.deepEqual(got, {
        n: truth.rows,
        tid: truth.sumTid.toString(),
        t: truth.sumTimeUs.toString(),
        c: truth.sumCommLen.toString(),
      });
    } finally {
      duck.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("under a memory limit too small for anything, conversion fails and keeps the CSV whole", {
  skip: canSandbox,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnap-oom-"));
  try {
    const truth = writeSyntheticHour(dir, "2026-01-01.01", 100, 200);
    const r = convertInSandbox(dir, "1MB");
    assert.notEqual(r.code, 0, r.out);
    assert.ok(existsSync(truth.samplesPath), "the CSV is kept");
    assert.ok(!readdirSync(dir).some((n) => n.includes(".damaged")), "not mistaken for damage");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
