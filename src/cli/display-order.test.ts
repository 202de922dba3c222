// What tables say about their rows: time columns order rows by time (live top and query),
// avg_threads of a time bucket is over that bucket's rounds, a title says whether sleeping
// threads are in the rows, and --stacks refuses flags it cannot honour.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, runTsnap } from "../testkit/cli.js";
import { compileWorkload, REPO_ROOT, startWorkload } from "../testkit/workloads.js";

const DEMO = join(REPO_ROOT, "..", "shared", "data", "0xtools-v3-demo");
const skip = existsSync(DEMO) ? false : `demo data not found at ${DEMO}`;

test("top -g time_1s,state: rows in time order, one spinning thread is 1.0 in every second", async () => {
  const w = await startWorkload(compileWorkload("spin"), ["1", "30"]);
  try {
    const pid = w.child.pid as number;
    const r = await runCli([
      "top",
      "--source",
      "proc",
      "-p",
      String(pid),
      "-g",
      "time_1s,state",
      "--hz",
      "10",
      "-d",
      "3.5",
      "--format",
      "json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as {
      time_1s: string;
      state: string;
      avg_threads: number;
      samples: number;
    }[];
    const times = rows.map((x) => x.time_1s);
    assert.deepEqual(times, [...times].sort(), "rows are in time order");
    assert.ok(new Set(times).size >= 3, r.stdout);
    // Full seconds (not the partial first and last ones) hold 9-11 rounds (each round is
    // taken at a random moment of its 100 ms slot); the spinner is RUN in each (the proc
    // source shows RUNQ as RUN too), so RUN is 1.0 per bucket.
    const full = rows.filter((x) => x.samples >= 9);
    assert.ok(full.length >= 2, r.stdout);
    for (const x of full) assert.equal(x.avg_threads, 1, JSON.stringify(x));
  } finally {
    await w.stop();
  }
});

test("query -g time_5m,state: rows in time order even with --limit", { skip }, async () => {
  const r = await runCli(["query", DEMO, "-g", "time_5m,state", "--format", "json", "--limit", "10"]);
  assert.equal(r.code, 0, r.stderr);
  const rows = (JSON.parse(r.stdout) as { rows: { time_5m: string; avg_threads: number }[] }).rows;
  assert.equal(rows.length, 10);
  const times = rows.map((x) => String(x.time_5m));
  assert.deepEqual(times, [...times].sort());
  // The 10 rows are the earliest buckets, not the busiest.
  const all = (
    JSON.parse(
      (await runCli(["query", DEMO, "-g", "time_5m,state", "--format", "json", "--limit", "0"])).stdout,
    ) as {
      rows: { time_5m: string }[];
    }
  ).rows.map((x) => String(x.time_5m));
  assert.equal(times[0], [...all].sort()[0]);
});

test("query titles: Active Threads only when every row is RUN, RUNQ or DISK", { skip }, async () => {
  const mixed = await runCli(["query", DEMO, "-g", "comm2", "--limit", "3"]);
  assert.match(mixed.stdout, /^=== All Sampled Threads \(sleeping ones too\) ===/);
  const active = await runCli([
    "query",
    DEMO,
    "-g",
    "comm2",
    "-w",
    "state=DISK OR state=RUN",
    "--limit",
    "3",
  ]);
  assert.match(active.stdout, /^=== Active Threads ===/);
  // Grouped by state, the rows themselves decide; xcapture's SLEEPQ is not active.
  const byState = await runCli(["query", DEMO, "-g", "state", "-w", "state=DISK OR state=RUN OR state=RUNQ"]);
  assert.match(byState.stdout, /^=== Active Threads ===/, byState.stdout);
  const withSleepq = await runCli(["query", DEMO, "-g", "state", "-w", "state!=SLEEP"]);
  assert.match(withSleepq.stdout, /^=== All Sampled Threads/, withSleepq.stdout);
});

test("query --stacks with -g, -G, --hist, --lat or --weight is a usage error, not ignored", async () => {
  for (const extra of [
    ["-g", "state"],
    ["-G", "comm"],
    ["--hist", "sc"],
    ["--lat", "io"],
    ["--weight", "sample"],
  ]) {
    const r = await runTsnap(["query", DEMO, "--stacks", "kernel", ...extra]);
    assert.equal(r.code, 2, `${extra.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^tsnap: --stacks cannot be combined with ${extra[0]}: `));
  }
});
