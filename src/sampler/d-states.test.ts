// D states through both sources, against the kernel's own word: a vfork parent (which
// /proc shows as "D" in vfork) is VFORK even when no syscall column is asked for, and a
// thread in O_DIRECT writes on a real file is DISK as much as the kernel's schedstat says.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { syscallNumber } from "../platform/syscall-table.js";
import { parseSchedstat } from "../sources/proc/schedstat.js";
import { runCli } from "../testkit/cli.js";
import { blockDeviceDir } from "../testkit/contention.js";
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
    "2",
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

const PROC_R_TODO =
  "the proc source reads an O_DIRECT writer as R far more than schedstat's on-CPU share in some runs (issue 7)";

/** The thread's schedstat (on-CPU ns, run-queue ns) and the wall clock, now. */
function schedNow(pid: number) {
  return {
    ...parseSchedstat(readFileSync(`/proc/${pid}/schedstat`, "utf8")),
    wallNs: process.hrtime.bigint(),
  };
}

test(`a thread in O_DIRECT writes is DISK as the kernel's schedstat says (sources: ${sources.join(", ")})`, async (t) => {
  const base = blockDeviceDir();
  if (base === null) return t.skip("no directory on a block device (/var/tmp, /root, /home)");
  const dir = mkdtempSync(join(base, "tsnap-d-"));
  const w = await startWorkload(compileWorkload("odirect-write"), [join(dir, "f"), "1048576", "30"]);
  const pid = Number(w.ready[1]);
  try {
    for (const source of sources) {
      // Reference: the writer only writes, so its time off CPU and off the run queue is
      // the wait for its writes in D.
      const a = schedNow(pid);
      const rows = await byState(source, pid);
      const b = schedNow(pid);
      const wall = Number(b.wallNs - a.wallNs);
      const ref = { RUN: (b.cpuNs - a.cpuNs) / wall, RUNQ: (b.waitNs - a.waitNs) / wall };
      const refDisk = 1 - ref.RUN - ref.RUNQ;
      const seen = `${source}: ${JSON.stringify(rows)}; schedstat: RUN ${ref.RUN.toFixed(2)} RUNQ ${ref.RUNQ.toFixed(2)} DISK ${refDisk.toFixed(2)}`;
      t.diagnostic(seen);
      if (refDisk < 0.5)
        t.diagnostic(`the writes took ${(refDisk * 100).toFixed(0)}% of the time: a fast disk`);
      assert.equal(avg(rows, "VFORK"), 0);
      // /proc read this thread as R in 50-90% of the rounds of some runs while schedstat
      // said 12% on CPU (not the rounds' phase: dithered rounds did the same; a plain
      // reader of /proc/PID/stat at random moments saw 10-20% R). Reported, not asserted.
      // Part of it, measured with the writer pinned (taskset) and `top --source bpf -a`:
      // on the CPU that does not take the disk's interrupts the writer is WAKING 15% of
      // the time (woken, its CPU not yet told: a halted vCPU answers the wake-up's IPI
      // late), which /proc shows as R (the kernel maps states it does not report to R)
      // and schedstat counts neither as on-CPU nor as run-queue time. Not all of it: two
      // runs read exactly 20 R of 40 rounds with the writer on either CPU while bpf read
      // RUN+RUNQ 0.16-0.72; why is not found.
      await t.test(
        `${source}: DISK and RUN within ±0.3 of schedstat`,
        source === "proc" ? { todo: PROC_R_TODO } : {},
        () => {
          assert.ok(Math.abs(avg(rows, "DISK") - refDisk) <= 0.3, seen);
          assert.ok(Math.abs(avg(rows, "RUN") - ref.RUN) <= 0.3, seen);
          // On a disk slow enough to be waited for, the thread is mostly DISK.
          if (refDisk >= 0.5) assert.ok(avg(rows, "DISK") > 0.2, seen);
        },
      );
    }
  } finally {
    await w.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
