// One conformance suite for every source: the ground-truth workload must show as the
// threads it really has, through the real `tsnap top` command. A source that cannot run
// here (bpf without root, BTF or its build) is skipped with the reason printed.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { SourceName } from "../model/sampler.js";
import { runCli } from "../testkit/cli.js";
import { type GroundTruth, startGroundTruth } from "../testkit/ground-truth.js";
import { sourceUnavailable } from "../testkit/sampler-backends.js";

const TOLERANCE = 0.15;

interface Row {
  state: string;
  syscall: string;
  samples: number;
  avg_threads: number;
}

async function topJson(source: SourceName, args: string[]): Promise<Row[]> {
  const r = await runCli(["top", "--source", source, "--format", "json", ...args]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Row[];
}

function avg(rows: Row[], state: string, syscall: string): number {
  return rows
    .filter((r) => r.state === state && r.syscall === syscall)
    .reduce((a, r) => a + r.avg_threads, 0);
}

for (const source of ["proc", "bpf"] as const) {
  describe(`ground truth, ${source} source`, async () => {
    const why = await sourceUnavailable(source);
    if (why !== null) {
      test(`skipped: ${why}`, { skip: why }, () => {});
      return;
    }
    let gt: GroundTruth;
    before(async () => {
      gt = await startGroundTruth();
    });
    after(async () => {
      await gt.stop();
    });

    test("-a: every state/syscall group within ±0.15 of the truth", async () => {
      const rows = await topJson(source, ["-a", "-g", "state,syscall", "-p", String(gt.pid), "-d", "3"]);
      for (const t of gt.expected) {
        // The spinner is on CPU or, under bpf, briefly queued for one.
        const got =
          t.state === "RUN"
            ? avg(rows, "RUN", t.syscall) + avg(rows, "RUNQ", t.syscall)
            : avg(rows, t.state, t.syscall);
        assert.ok(
          Math.abs(got - t.threads) <= TOLERANCE,
          `${t.state}/${t.syscall}: got ${got}, want ${t.threads} ± ${TOLERANCE}\n${JSON.stringify(rows)}`,
        );
      }
      const total = rows.reduce((a, r) => a + r.avg_threads, 0);
      const want = gt.expected.reduce((a, t) => a + t.threads, 0);
      assert.ok(Math.abs(total - want) <= TOLERANCE, `all threads: got ${total}, want ${want}`);
    });

    test("without -a: sleeping threads are absent, active ones present", async () => {
      const rows = await topJson(source, ["-g", "state,syscall", "-p", String(gt.pid), "-d", "2"]);
      assert.ok(
        rows.every((r) => ["RUN", "RUNQ", "DISK", "VFORK"].includes(r.state)),
        JSON.stringify(rows),
      );
      assert.ok(Math.abs(avg(rows, "VFORK", "vfork") - 1) <= TOLERANCE, JSON.stringify(rows));
      assert.ok(
        Math.abs(avg(rows, "RUN", "[running]") + avg(rows, "RUNQ", "[running]") - 1) <= TOLERANCE,
        JSON.stringify(rows),
      );
    });

    test("-p REGEX selects threads by name", async () => {
      const rows = await topJson(source, [
        "-a",
        "-g",
        "comm,state",
        "-p",
        `^${gt.tag}-(sleep|pipe)$`,
        "-d",
        "1",
      ]);
      const byComm = (c: string) =>
        rows
          .filter((r) => (r as unknown as { comm: string }).comm === c)
          .reduce((a, r) => a + r.avg_threads, 0);
      assert.ok(Math.abs(byComm(`${gt.tag}-sleep`) - 3) <= TOLERANCE, JSON.stringify(rows));
      assert.ok(Math.abs(byComm(`${gt.tag}-pipe`) - 2) <= TOLERANCE, JSON.stringify(rows));
      assert.equal(byComm(`${gt.tag}-spin`), 0);
    });
  });
}
