// Capture with the real proc source into real files: hourly rotation under an injected
// clock (each hour's stack dictionary resolves every hash used in it), conversion to
// Parquet, and retention.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Need } from "../model/sampler.js";
import { Duck } from "../query/duck.js";
import { ProcSampler } from "../sources/proc/proc-sampler.js";
import { HourlyStore } from "../store/hourly-store.js";
import { applyRetention } from "../store/retention.js";
import { startGroundTruth } from "../testkit/ground-truth.js";
import { captureToDir } from "./capture-to-dir.js";

const root = process.getuid?.() === 0;

test("rotation by an injected clock: two self-contained hours, each converted to Parquet", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnap-rot-"));
  const gt = await startGroundTruth({ spin: 1, sleep: 2, pipe: 1, vfork: false });
  try {
    const needs = new Set<Need>(["syscall", "wchan", ...(root ? (["kstack"] as const) : [])]);
    const sampler = new ProcSampler({ hz: 20, all: true, pids: new Set([gt.pid]), needs });
    // 20 rounds, 1 s apart on the fake clock, starting 10 s before 04:00 UTC; the clock's
    // 20th reading stops the capture (a duration gave a loaded machine too few rounds).
    const stop = new AbortController();
    let t = Date.parse("2026-01-02T03:59:50Z") * 1000;
    let readings = 0;
    const clock = () => {
      const now = t;
      if (++readings < 20) t += 1e6;
      else stop.abort();
      return now;
    };
    const notes: string[] = [];
    const sum = await captureToDir(sampler, {
      dir,
      hz: 20,
      format: "parquet",
      durationMs: 60_000,
      retention: {},
      signal: stop.signal,
      notice: (l) => notes.push(l),
      clock,
    });
    sampler.close();
    // 10 rounds fall before 04:00 on the fake clock, the rest after it (one more may follow
    // the 20th if the loop was behind when the signal fired: it stays in hour 04).
    assert.ok(sum.rounds >= 20, `rounds ${sum.rounds}`);
    const files = readdirSync(dir).sort();
    for (const hour of ["2026-01-02.03", "2026-01-02.04"]) {
      assert.ok(files.includes(`tsnap_samples_${hour}.parquet`), `samples of ${hour} in ${files.join(" ")}`);
      assert.ok(files.includes(`tsnap_rounds_${hour}.parquet`), `rounds of ${hour}`);
    }
    assert.ok(!files.some((f) => f.endsWith(".csv")), `no CSV left: ${files.join(" ")}`);
    const duck = await Duck.open();
    try {
      for (const [hour, rounds] of [
        ["2026-01-02.03", 10],
        ["2026-01-02.04", sum.rounds - 10],
      ] as const) {
        const r = await duck.all(
          `SELECT count(*) AS n, sum(weight_us) AS w FROM read_parquet('${dir}/tsnap_rounds_${hour}.parquet')`,
        );
        assert.equal(r[0].n, rounds, `rounds in ${hour}`);
        const s = await duck.all(
          `SELECT count(*) AS n, count(DISTINCT tid) AS tids FROM read_parquet('${dir}/tsnap_samples_${hour}.parquet') WHERE tgid = ${gt.pid}`,
        );
        assert.equal(s[0].tids, 5, `threads of the workload in ${hour}`); // main + spin + 2 sleep + 1 pipe
        if (root) {
          // Every hash used in the hour resolves from that same hour's dictionary.
          const u = await duck.all(
            `SELECT count(*) AS missing FROM read_parquet('${dir}/tsnap_samples_${hour}.parquet') s
             WHERE s.kstack_hash IS NOT NULL AND s.kstack_hash NOT IN (SELECT kstack_hash FROM read_parquet('${dir}/tsnap_kstacks_${hour}.parquet'))`,
          );
          assert.equal(u[0].missing, 0, `unresolved stacks in ${hour}`);
        }
      }
    } finally {
      duck.close();
    }
  } finally {
    await gt.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("retention deletes whole hours older than --retain, then the oldest beyond --max-size", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnap-ret-"));
  try {
    const sampler = new ProcSampler({
      hz: 10,
      all: false,
      pids: new Set([process.pid]),
      needs: new Set(),
      excludeSelf: false,
    });
    // One round in each of 5 hours: 00..04 on 2026-01-02 (fake clock, 1 h steps). The
    // clock stops the capture after its fifth reading, not a duration: a loaded machine
    // (CI) took 3 rounds in 500 ms at 10 Hz. Any round after the fifth stays in hour 04.
    const stop = new AbortController();
    let t = Date.parse("2026-01-02T00:30:00Z") * 1000;
    let readings = 0;
    await captureToDir(sampler, {
      dir,
      hz: 10,
      format: "csv",
      durationMs: 60_000,
      retention: {},
      signal: stop.signal,
      notice: () => {},
      clock: () => {
        const now = t;
        if (++readings < 5) t += 3600e6;
        else stop.abort();
        return now;
      },
    });
    sampler.close();
    const hours = () =>
      [
        ...new Set(
          readdirSync(dir)
            .filter((f) => f.startsWith("tsnap_rounds_"))
            .map((f) => f.slice(13, 26)),
        ),
      ].sort();
    assert.deepEqual(hours(), [
      "2026-01-02.00",
      "2026-01-02.01",
      "2026-01-02.02",
      "2026-01-02.03",
      "2026-01-02.04",
    ]);
    // Now = 05:10; keep 3 h: hours ending at or before 02:10 go (00 and 01).
    const now = Date.parse("2026-01-02T05:10:00Z") * 1000;
    const r = applyRetention(dir, { retainUs: 3 * 3600e6 }, now, "2026-01-02.05");
    assert.deepEqual(r.deletedParts, ["2026-01-02.00", "2026-01-02.01"]);
    assert.deepEqual(hours(), ["2026-01-02.02", "2026-01-02.03", "2026-01-02.04"]);
    // Size cap just under the total: the oldest hour goes, the open hour (04) never does.
    const r2 = applyRetention(dir, { maxBytes: r.bytesLeft - 1 }, now, "2026-01-02.04");
    assert.deepEqual(r2.deletedParts, ["2026-01-02.02"]);
    const r3 = applyRetention(dir, { maxBytes: 1 }, now, "2026-01-02.04");
    assert.deepEqual(r3.deletedParts, ["2026-01-02.03"]);
    assert.deepEqual(hours(), ["2026-01-02.04"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a CSV part left by a crash in an earlier hour is converted at the next start, rows intact", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnap-rec-"));
  const sampler = new ProcSampler({ hz: 10, all: true, needs: new Set<Need>(["syscall"]) });
  try {
    // "Crash": rows written for 02:xx and the store never closed.
    const crashed = new HourlyStore({ dir, format: "parquet", notice: () => {} });
    let rows = 0;
    for (let i = 0; i < 3; i++) {
      const r = sampler.round();
      r.timestamp = Date.parse(`2026-01-02T02:30:0${i}Z`) * 1000;
      for (const s of r.samples) s.timestamp = r.timestamp;
      rows += crashed.writeRound(r, { source: "proc", cpuUs: 0, lost: 0, weightUs: 100_000 });
    }
    assert.ok(readdirSync(dir).includes("tsnap_samples_2026-01-02.02.csv"));
    const next = new HourlyStore({ dir, format: "parquet", notice: () => {} });
    next.recover("2026-01-02.05");
    await next.settled();
    const files = readdirSync(dir).sort();
    assert.deepEqual(
      files.filter((f) => f.includes("2026-01-02.02")),
      ["tsnap_rounds_2026-01-02.02.parquet", "tsnap_samples_2026-01-02.02.parquet"],
    );
    const duck = await Duck.open();
    try {
      const n = await duck.all(
        `SELECT count(*) AS n FROM read_parquet('${dir}/tsnap_samples_2026-01-02.02.parquet')`,
      );
      assert.equal(n[0].n, rows);
    } finally {
      duck.close();
    }
  } finally {
    sampler.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
