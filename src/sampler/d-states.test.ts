// D states through both sources, against the kernel's own word: a vfork parent (which
// /proc shows as "D" in vfork) is VFORK even when no syscall column is asked for, and a
// thread in O_DIRECT writes on a real file stays DISK.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { syscallNumber } from "../platform/syscall-table.js";
import { runCli } from "../testkit/cli.js";
import { startGroundTruth } from "../testkit/ground-truth.js";
import { compileWorkload, startWorkload } from "../testkit/workloads.js";

const sources = process.getuid?.() === 0 ? ["proc", "bpf"] : ["proc"];

type Row = { state: string; avg_threads: number };
async function byState(source: string, pid: number): Promise<Row[]> {
  const r = await runCli([
    "top",
    "--source",
    source,
    "-p",
    String(pid),
    "-g",
    "state",
    "-d",
    "1",
    "--format",
    "json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Row[];
}
const avg = (rows: Row[], state: string) => rows.find((r) => r.state === state)?.avg_threads ?? 0;

test(`a vfork parent is VFORK, not DISK (sources: ${sources.join(", ")})`, async () => {
  const gt = await startGroundTruth({ spin: 0, sleep: 0, pipe: 0, vfork: true });
  try {
    // The kernel's view: uninterruptible, in syscall vfork.
    const stat = readFileSync(`/proc/${gt.pid}/stat`, "latin1");
    assert.equal(stat.slice(stat.lastIndexOf(")") + 2)[0], "D");
    const nr = Number(readFileSync(`/proc/${gt.pid}/syscall`, "latin1").split(" ")[0]);
    assert.equal(nr, syscallNumber("vfork"));
    for (const source of sources) {
      const rows = await byState(source, gt.pid);
      assert.equal(avg(rows, "VFORK"), 1, `${source}: ${JSON.stringify(rows)}`);
      assert.equal(avg(rows, "DISK"), 0, `${source}: ${JSON.stringify(rows)}`);
    }
  } finally {
    await gt.stop();
  }
});

test(`a thread in O_DIRECT writes is DISK (sources: ${sources.join(", ")})`, async () => {
  const dir = mkdtempSync("/var/tmp/tsnap-d-"); // a real disk, not tmpfs
  const w = await startWorkload(compileWorkload("odirect-write"), [join(dir, "f"), "1048576", "20"]);
  try {
    for (const source of sources) {
      const rows = await byState(source, Number(w.ready[1]));
      assert.ok(avg(rows, "DISK") > 0.2, `${source}: ${JSON.stringify(rows)}`);
      assert.equal(avg(rows, "VFORK"), 0);
    }
  } finally {
    await w.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
