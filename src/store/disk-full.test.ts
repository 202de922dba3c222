// A full disk (a real, small tmpfs): rows are dropped with a count and one warning, the
// files stay whole (every line parses), writing resumes when space is back, and every
// round has its rounds row with its dropped rows.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Duck } from "../query/duck.js";
import { ProcSampler } from "../sources/proc/proc-sampler.js";
import { tsnapCsvReader } from "./convert.js";
import { HourlyStore } from "./hourly-store.js";

const skip = process.getuid?.() === 0 ? false : "needs root to mount a small tmpfs";

function fill(path: string): void {
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(4096, 120);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  } finally {
    closeSync(fd);
  }
}

test("disk full: rows dropped with a count and a warning, files stay whole, writing resumes", {
  skip,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnap-full-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=16m", "tsnap-test", dir]);
  const sampler = new ProcSampler({
    hz: 10,
    all: true,
    needs: new Set(["syscall", "wchan", "exe", "username"]),
  });
  try {
    const notes: string[] = [];
    const store = new HourlyStore({ dir, format: "csv", notice: (l) => notes.push(l) });
    const meta = { source: "proc", cpuUs: 0, lost: 0, weightUs: 100_000 };
    let written = 0;
    let expectedDropped = 0;
    for (let i = 0; i < 5; i++) written += store.writeRound(sampler.round(), meta);
    assert.ok(written > 0);
    fill(join(dir, "filler"));
    for (let i = 0; i < 5; i++) {
      const r = sampler.round();
      const n = store.writeRound(r, meta);
      if (n === 0) expectedDropped += r.samples.length;
      else written += n;
    }
    assert.ok(expectedDropped > 0, "some rounds were dropped on the full disk");
    assert.equal(store.droppedTotal, expectedDropped);
    assert.equal(notes.filter((l) => /disk full/.test(l)).length, 1, notes.join("\n"));
    unlinkSync(join(dir, "filler"));
    for (let i = 0; i < 5; i++) {
      const n = store.writeRound(sampler.round(), meta);
      assert.ok(n > 0, "writing resumed");
      written += n;
    }
    assert.ok(
      notes.some((l) => l.includes(`writing again after dropping ${expectedDropped} rows`)),
      notes.join("\n"),
    );
    await store.close();
    // Every line is a whole row: a strict read (no ignore_errors) finds exactly the rows written.
    const name = readdirSync(dir).find((f) => f.startsWith("tsnap_samples_"))!;
    const lines = readFileSync(join(dir, name), "utf8").split("\n").length - 2;
    const duck = await Duck.open();
    try {
      const rows = await duck.all(
        `SELECT count(*) AS n FROM ${tsnapCsvReader([join(dir, name)], "samples", false)}`,
      );
      assert.equal(rows[0].n, written);
      assert.equal(lines, written);
      // Every round has its rounds row (those of the full disk written once space was back),
      // with the rows it dropped: the coverage record does not lie when it matters.
      const rounds = readdirSync(dir).find((f) => f.startsWith("tsnap_rounds_"))!;
      const r = await duck.all(
        `SELECT count(*) AS n, sum(dropped_rows) AS dropped, sum(sample_rows) AS kept FROM ${tsnapCsvReader([join(dir, rounds)], "rounds", false)}`,
      );
      assert.equal(Number(r[0].n), 15);
      assert.equal(Number(r[0].dropped), expectedDropped);
      assert.equal(Number(r[0].kept), written);
    } finally {
      duck.close();
    }
  } finally {
    sampler.close();
    // Lazy: a converter still closing a file must not turn a failed assertion into "busy".
    execFileSync("umount", ["-l", dir]);
    rmdirSync(dir);
  }
});
