// The capture directory going away under a running capture, for real: `rm -rf` of the
// directory mid-capture, a directory that cannot be recreated for a while (a tmpfs
// remounted read-only), a deleted CSV of the open hour, and `chattr +i` on an open CSV.
// Each is said once with the path; every round keeps its rounds row with its dropped rows.
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Duck } from "../query/duck.js";
import { ProcSampler } from "../sources/proc/proc-sampler.js";
import { TSNAP_BIN } from "../testkit/cli.js";
import { tsnapCsvReader } from "./convert.js";
import { HourlyStore } from "./hourly-store.js";

const root = process.getuid?.() === 0 ? false : "needs root (mount, chattr)";
const meta = { source: "proc", cpuUs: 0, lost: 0, weightUs: 100_000 };

async function roundsOf(dir: string, csv: boolean) {
  const files = readdirSync(dir)
    .filter((f) => f.startsWith("tsnap_rounds_") && f.endsWith(csv ? ".csv" : ".parquet"))
    .map((f) => join(dir, f));
  const from = csv ? tsnapCsvReader(files, "rounds", false) : `read_parquet([${files.map((f) => `'${f}'`)}])`;
  const duck = await Duck.open();
  try {
    return await duck.all(
      `SELECT epoch_us(timestamp) AS us, sample_rows, dropped_rows FROM ${from} ORDER BY timestamp`,
    );
  } finally {
    duck.close();
  }
}

test("rm -rf of the directory mid-capture: said once with the path, recreated, rounds continue", {
  skip: root,
}, async () => {
  const base = mkdtempSync(join(tmpdir(), "tsnap-rm-"));
  const dir = join(base, "cap");
  const child = spawn(
    process.execPath,
    [TSNAP_BIN, "capture", "-o", dir, "--source", "proc", "-a", "--hz", "10", "-p", String(process.pid)],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const closed = new Promise<number | null>((res) => child.on("close", res));
  try {
    for (let i = 0; i < 100 && !stderr.includes("writing"); i++) await sleep(100);
    await sleep(1500);
    const rmUs = Date.now() * 1000;
    rmSync(dir, { recursive: true, force: true });
    await sleep(2000);
    const stopUs = Date.now() * 1000;
    child.kill("SIGTERM");
    assert.equal(await closed, 0, stderr);
    const said = stderr.split("\n").filter((l) => l.includes("vanished"));
    assert.equal(said.length, 1, stderr);
    assert.ok(said[0].includes(`${dir} vanished (deleted or replaced): recreated it`), said[0]);
    const rows = await roundsOf(dir, false);
    const us = rows.map((r) => Number(r.us));
    assert.ok(us[0] - rmUs < 300_000, `first round after the rm ${(us[0] - rmUs) / 1000} ms later`);
    assert.ok(stopUs - us.at(-1)! < 300_000, "rounds until the stop");
    for (let i = 1; i < us.length; i++) assert.ok(us[i] - us[i - 1] < 250_000, `gap at round ${i}`);
    assert.ok(rows.every((r) => Number(r.sample_rows) > 0 && Number(r.dropped_rows) === 0));
  } finally {
    child.kill("SIGKILL");
    rmSync(base, { recursive: true, force: true });
  }
});

test("a directory that cannot be recreated (a file in its place, then a read-only tmpfs): rows dropped and counted, every rounds row kept", {
  skip: root,
}, async () => {
  const base = mkdtempSync(join(tmpdir(), "tsnap-ro-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m,mode=0700", "tsnap-test", base]);
  const dir = join(base, "cap");
  const sampler = new ProcSampler({ hz: 10, all: true, needs: new Set(["syscall", "wchan"]) });
  try {
    execFileSync("mkdir", ["-m", "0700", dir]);
    const notes: string[] = [];
    const store = new HourlyStore({ dir, format: "csv", notice: (l) => notes.push(l) });
    for (let i = 0; i < 3; i++) assert.ok(store.writeRound(sampler.round(), meta) > 0);
    // Deleted, and a file in its place: it cannot be recreated.
    rmSync(dir, { recursive: true });
    writeFileSync(dir, "in the way\n");
    let dropped = 0;
    const outage = () => {
      const r = sampler.round();
      assert.equal(store.writeRound(r, meta), 0);
      dropped += r.samples.length;
    };
    for (let i = 0; i < 3; i++) outage();
    // The file gone, the file system read-only (possible now: no file of it is open).
    unlinkSync(dir);
    execFileSync("mount", ["-o", "remount,ro", base]);
    for (let i = 0; i < 2; i++) outage();
    execFileSync("mount", ["-o", "remount,rw", base]);
    for (let i = 0; i < 3; i++) assert.ok(store.writeRound(sampler.round(), meta) > 0, "writing resumed");
    await store.close();
    assert.equal(store.droppedTotal, dropped);
    const cannot = notes.filter((l) => l.includes("cannot be recreated"));
    assert.equal(cannot.length, 1, notes.join("\n"));
    assert.match(cannot[0], new RegExp(`${dir} vanished and cannot be recreated \\(.*not a directory\\)`));
    assert.ok(
      notes.some((l) => l.includes(`${dir} recreated after dropping ${dropped} rows`)),
      notes.join("\n"),
    );
    // The 5 rounds of the outage and the 3 after it (the first 3 went with the directory).
    const rows = await roundsOf(dir, true);
    assert.equal(rows.length, 8);
    assert.equal(
      rows.reduce((a, r) => a + Number(r.dropped_rows), 0),
      dropped,
    );
    assert.deepEqual(
      rows.slice(0, 5).map((r) => Number(r.sample_rows)),
      [0, 0, 0, 0, 0],
    );
  } finally {
    sampler.close();
    const um = spawnSync("umount", [base], { encoding: "utf8" });
    assert.equal(um.status, 0, `umount ${base}: ${um.stderr}`);
    rmdirSync(base);
  }
});

test("a deleted CSV of the open hour starts a new part (no dangling dictionary references)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnap-rmfile-"));
  const sampler = new ProcSampler({ hz: 10, all: true, needs: new Set(["syscall"]) });
  try {
    const notes: string[] = [];
    const store = new HourlyStore({ dir, format: "csv", notice: (l) => notes.push(l) });
    for (let i = 0; i < 3; i++) store.writeRound(sampler.round(), meta);
    const samples = readdirSync(dir).find((f) => f.startsWith("tsnap_samples_"))!;
    unlinkSync(join(dir, samples));
    for (let i = 0; i < 3; i++) assert.ok(store.writeRound(sampler.round(), meta) > 0);
    await store.close();
    assert.deepEqual(
      notes.filter((l) => l.includes("was deleted")),
      [`tsnap capture: ${join(dir, samples)} was deleted: starting a new part of ${samples.slice(14, 27)}`],
    );
    const files = readdirSync(dir);
    assert.ok(files.includes(samples.replace(".csv", "_1.csv")), files.join(" "));
    assert.equal((await roundsOf(dir, true)).length, 6, "rounds rows of both parts");
  } finally {
    sampler.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("chattr +i on the open samples CSV: one line naming the path, rows counted, writing resumes", {
  skip: root,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "tsnap-immut-"));
  const probe = join(dir, "probe");
  writeFileSync(probe, "");
  const can = spawnSync("chattr", ["+i", probe], { encoding: "utf8" });
  spawnSync("chattr", ["-i", probe]);
  unlinkSync(probe);
  if (can.status !== 0) {
    t.skip(`chattr +i is not supported on ${tmpdir()}: ${can.stderr.trim()}`);
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  const sampler = new ProcSampler({ hz: 10, all: true, needs: new Set(["syscall"]) });
  let samplesPath = "";
  try {
    const notes: string[] = [];
    const store = new HourlyStore({ dir, format: "csv", notice: (l) => notes.push(l) });
    let written = 0;
    for (let i = 0; i < 3; i++) written += store.writeRound(sampler.round(), meta);
    samplesPath = join(dir, readdirSync(dir).find((f) => f.startsWith("tsnap_samples_"))!);
    execFileSync("chattr", ["+i", samplesPath]);
    let dropped = 0;
    for (let i = 0; i < 3; i++) {
      const r = sampler.round();
      assert.equal(store.writeRound(r, meta), 0);
      dropped += r.samples.length;
    }
    execFileSync("chattr", ["-i", samplesPath]);
    for (let i = 0; i < 3; i++) written += store.writeRound(sampler.round(), meta);
    await store.close();
    assert.deepEqual(
      notes.filter((l) => l.includes("cannot write")),
      [
        `tsnap capture: cannot write ${samplesPath}: operation not permitted: dropping rows until it can be written`,
      ],
    );
    assert.ok(
      notes.some((l) => l.includes(`writing again after dropping ${dropped} rows`)),
      notes.join("\n"),
    );
    assert.equal(store.droppedTotal, dropped);
    const rows = await roundsOf(dir, true);
    assert.equal(rows.length, 9);
    assert.equal(
      rows.reduce((a, r) => a + Number(r.dropped_rows), 0),
      dropped,
    );
    const duck = await Duck.open();
    try {
      const n = await duck.all(
        `SELECT count(*) AS n FROM ${tsnapCsvReader([samplesPath], "samples", false)}`,
      );
      assert.equal(Number(n[0].n), written, "every written row parses, none of the dropped ones is there");
    } finally {
      duck.close();
    }
  } finally {
    sampler.close();
    if (samplesPath) spawnSync("chattr", ["-i", samplesPath]);
    rmSync(dir, { recursive: true, force: true });
  }
});
