// Ground truth under contention: 4 threads in O_DIRECT 4 KiB random preads of a real file
// plus a CPU hog with twice as many spinners as CPUs. What tsnap reports per state must
// match the kernel's own accounting over the same window (schedstat deltas: on-CPU = RUN,
// run_delay = RUNQ; the readers' remaining time is their wait in D), through `tsnap top
// --hz 20` and through `tsnap capture` at its default 1 Hz, within the issue's ±0.3 threads.
// The sampler must not move the samples: a reader woken at the sampling instant must not
// queue behind tsnap, and the instants must not sit in phase with a periodic disturbance
// (on the reference VM the host freezes the guest for 5-11 ms every 100 ms under load: the
// in-kernel clock dithers its instants). bpf source only: /proc cannot tell RUN from RUNQ.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { NotSupported } from "../errors.js";
import { runTsnap } from "../testkit/cli.js";
import {
  blockDeviceDir,
  type Contention,
  reference,
  snapshot,
  startContention,
} from "../testkit/contention.js";
import { openSampler } from "./open.js";

/**
 * The issue's target for every state. Before: the user-space rounds read the hogs' RUN
 * -0.6 and the readers' RUNQ +1.7; undithered in-kernel instants, in phase with the host's
 * freezes, the readers' RUNQ +0.15..+0.54 and DISK down to -0.43 (docs/bpf-source.md).
 */
const TARGET = 0.3;
/**
 * At 1 Hz (80 instants) the readers still lean: RUNQ +0.03..+0.56, DISK -0.54..+0.10 over
 * eight runs on the reference VM (under a fork storm; undithered it was up to 0.7), RUNQ
 * +0.64 on a CI machine. The issue's ±0.3 is reported there as TODO; this guard is asserted.
 */
const GUARD_1HZ = 0.8;
/** At 20 Hz the readers were within ±0.3 in most runs, ±0.39 at worst under heavy load. */
const GUARD_20HZ = 0.45;

async function bpfMissing(): Promise<string | null> {
  try {
    (await openSampler("bpf", { hz: 1, all: false, needs: new Set() }, () => {})).close();
  } catch (err) {
    if (err instanceof NotSupported) return err.message;
    throw err;
  }
  return blockDeviceDir() === null ? "no directory on a block device for the readers' file" : null;
}

interface Row {
  pid: number;
  state: string;
  avg_threads: number;
}

function byState(rows: Row[], pid: number): Record<string, number> {
  const out: Record<string, number> = { RUN: 0, RUNQ: 0, DISK: 0 };
  for (const r of rows) if (Number(r.pid) === pid) out[r.state] = (out[r.state] ?? 0) + Number(r.avg_threads);
  return out;
}

function check(
  what: string,
  got: Record<string, number>,
  want: Record<string, number>,
  states: string[],
  log: (line: string) => void,
  allowed = TARGET,
) {
  const lines = states.map(
    (s) =>
      `${s}: tsnap ${got[s].toFixed(2)} reference ${want[s].toFixed(2)} (Δ ${(got[s] - want[s]).toFixed(2)}, allowed ±${allowed})`,
  );
  log(`${what}: ${lines.join("; ")}`);
  const bad = states.filter((s) => Math.abs(got[s] - want[s]) > allowed);
  assert.deepEqual(bad, [], `${what}:\n${lines.join("\n")}`);
}

const skip = (await bpfMissing()) ?? false;

describe("ground truth under contention (bpf source)", { skip }, () => {
  let w: Contention;
  before(async () => {
    w = await startContention();
    await new Promise((r) => setTimeout(r, 500)); // the readers and spinners settle
  });
  after(async () => {
    await w?.stop();
  });

  test("tsnap top --hz 20: hogs within ±0.3 of schedstat, readers within ±0.45", async (t) => {
    const log = (l: string) => t.diagnostic(l);
    const a = [snapshot(w.ioPid, w.dev), snapshot(w.hogPid)];
    const r = await runTsnap(
      [
        "top",
        "--source",
        "bpf",
        "--hz",
        "20",
        "-d",
        "10",
        "-p",
        `${w.ioPid},${w.hogPid}`,
        "-g",
        "pid,state",
        "--format",
        "json",
      ],
      { timeoutMs: 60_000 },
    );
    const b = [snapshot(w.ioPid, w.dev), snapshot(w.hogPid)];
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as Row[];
    const io = reference(a[0], b[0]);
    const hog = reference(a[1], b[1]);
    const readers = byState(rows, w.ioPid);
    const hogs = byState(rows, w.hogPid);
    log(`device requests in flight (diskstats): ${io.diskInFlight?.toFixed(2)}`);
    log(r.stderr.trim());
    await t.test(
      "readers within ±0.3 at 20 Hz (the issue's target)",
      {
        todo: "under heavy load the readers' RUNQ/DISK leaned up to ±0.39 at 20 Hz (issue 7)",
      },
      () => {
        check("readers", readers, io as unknown as Record<string, number>, ["RUN", "RUNQ", "DISK"], log);
      },
    );
    try {
      check(
        "readers",
        readers,
        io as unknown as Record<string, number>,
        ["RUN", "RUNQ", "DISK"],
        log,
        GUARD_20HZ,
      );
    } finally {
      check("hogs", hogs, hog as unknown as Record<string, number>, ["RUN", "RUNQ"], log);
    }
  });

  test("tsnap capture at 1 Hz: hogs within ±0.3 of schedstat, readers within ±0.8, and the rounds say tsnap stayed out", async (t) => {
    const log = (l: string) => t.diagnostic(l);
    const dir = mkdtempSync(join(tmpdir(), "tsnap-contention-cap-"));
    try {
      const a = [snapshot(w.ioPid, w.dev), snapshot(w.hogPid)];
      const c = await runTsnap(
        [
          "capture",
          "--source",
          "bpf",
          "-o",
          dir,
          "-d",
          "80",
          "--format",
          "csv",
          "-p",
          `${w.ioPid},${w.hogPid}`,
        ],
        { timeoutMs: 120_000 },
      );
      const b = [snapshot(w.ioPid, w.dev), snapshot(w.hogPid)];
      assert.equal(c.code, 0, c.stderr);
      const q = await runTsnap([
        "query",
        dir,
        "--format",
        "json",
        "--sql",
        "SELECT tgid AS pid, state, sum(weight_us) / (SELECT sum(weight_us) FROM rounds) AS avg_threads FROM samples GROUP BY ALL",
      ]);
      assert.equal(q.code, 0, q.stderr);
      const rows = (JSON.parse(q.stdout) as { rows: Row[] }).rows;
      const readers = byState(rows, w.ioPid);
      const readersRef = reference(a[0], b[0]) as unknown as Record<string, number>;
      // At 1 Hz undithered instants all sat at the same phase of the host's 100 ms period
      // on the reference VM: the readers' RUNQ/DISK were off by up to 0.7.
      const hogs = byState(rows, w.hogPid);
      const hogsRef = reference(a[1], b[1]) as unknown as Record<string, number>;
      await t.test(
        "every state within ±0.3 at 1 Hz (the issue's target)",
        {
          todo: "the readers' RUNQ/DISK still lean up to ±0.56 at 1 Hz (issue 7)",
        },
        () => {
          check("readers", readers, readersRef, ["RUN", "RUNQ", "DISK"], log);
        },
      );
      try {
        check("readers", readers, readersRef, ["RUN", "RUNQ", "DISK"], log, GUARD_1HZ);
      } finally {
        check("hogs", hogs, hogsRef, ["RUN", "RUNQ"], log);
      }
      const rq = await runTsnap([
        "query",
        dir,
        "--format",
        "json",
        "--sql",
        "SELECT count(*) AS n, count(*) FILTER (WHERE self_active > 0) AS perturbed, sum(self_active) AS self_active, sum(lost_rounds) AS lost, sum(late_rounds) AS late FROM rounds",
      ]);
      const [tot] = (
        JSON.parse(rq.stdout) as {
          rows: { n: number; perturbed: number; self_active: number; lost: number; late: number }[];
        }
      ).rows;
      log(`rounds: ${JSON.stringify(tot)}`);
      // Every period of the 80 s is accounted for: delivered, lost or late. Late ones are
      // rounds whose dithered instant fell in a freeze of the vCPU (taken at the resume,
      // not delivered): about the host's frozen share of the time (~10% here under load).
      assert.ok(
        Number(tot.n) + Number(tot.lost) + Number(tot.late) >= 78 && Number(tot.n) >= 60,
        `rounds: ${JSON.stringify(tot)}`,
      );
      assert.ok(tot.self_active !== null, "self_active is measured by the kernel clock");
      // Once a second tsnap wakes half a period away from the instants: it should never be
      // caught on a CPU (its other threads, e.g. the GC, rarely). Counted in instants:
      // self_active sums threads, and one GC pass can make several runnable at one instant.
      assert.ok(Number(tot.perturbed) <= 3, `instants with tsnap active: ${JSON.stringify(tot)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
