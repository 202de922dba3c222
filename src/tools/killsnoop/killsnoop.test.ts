// tsnap killsnoop against a workload that makes known kill-family calls
// (test/workloads/signal-storm.c) and side by side with libbpf-tools' killsnoop (its
// sigsnoop in -k mode) on the same run: the same calls, the same return values, the same
// columns. sigsnoop.test.ts tests the shared program's other mode and options.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, libbpfTool, ours, stopAll, theirs } from "../../testkit/bcc-tools.js";
import { compileWorkload, REPO_ROOT, signalAndWait, startWorkload } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/sigsnoop.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/sigsnoop.bpf.o not built (scripts/setup.sh)" : false;
const skipRef =
  skip || (libbpfTool("killsnoop") ? false : "libbpf-tools killsnoop not installed (setup.sh --tests)");
const N = 50;
const M = 5;

test("every kill, tkill and tgkill call of the workload, as libbpf-tools' killsnoop lists them", {
  skip: skipRef,
  timeout: 60_000,
}, async () => {
  const handles = liveCount();
  const w = await startWorkload(compileWorkload("signal-storm"), [String(N), String(M)]);
  try {
    const [, pid, kid] = w.ready;
    const t = {
      text: ours(["killsnoop"], "RESULT\n"),
      ref: theirs("killsnoop", [], "RESULT\n"),
      sigkill: ours(["killsnoop", "-s", "9", "-p", pid, "--json"]),
    };
    await Promise.all(Object.values(t).map((x) => x.started));
    assert.equal(await signalAndWait(w), `done ${3 * N + M + 1} ${2 * M}\n`);
    await new Promise((r) => setTimeout(r, 300)); // the last records reach every ring
    const res = await stopAll(t);
    // The workload's calls without the TIME column, in order: its own truth, then theirs.
    const rows = (out: string) =>
      out
        .split("\n")
        .map((l) => l.split(/ +/))
        .filter((f) => f[1] === pid)
        .map((f) => [f[3], f[4], f[5]].join(" "));
    const mine = rows(res.text.out);
    assert.deepEqual(mine, [
      ...Array(N).fill(`12 ${kid} 0`),
      ...Array(N).fill(`28 ${kid} 0`),
      ...Array(N).fill(`40 ${kid} 0`),
      ...Array(M).fill(`99 ${kid} -22`),
      ...Array(M).fill(`0 ${kid} 0`),
      `9 ${kid} 0`,
      ...Array(M).fill(`15 ${kid} -3`),
    ]);
    assert.deepEqual(mine, rows(res.ref.out));
    const line = (out: string) =>
      out
        .split("\n")
        .find((l) => l.split(/ +/)[1] === pid)
        ?.slice(9);
    assert.equal(line(res.text.out), line(res.ref.out), "the same columns, character for character");
    assert.equal(res.text.out.split("\n")[0], res.ref.out.split("\n")[0]);
    // -s 9 -p: the one SIGKILL, in JSON.
    const kills = res.sigkill.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      kills.map((e) => [e.source, e.sig, e.tpid, e.ret]),
      [["kill", 9, Number(kid), 0]],
    );
    assert.equal(liveCount(), handles, "every BPF object and link closed");
  } finally {
    await w.stop();
  }
});

test("bad input: one error line and exit 2 (-k is sigsnoop's, not killsnoop's); non-root: exit 1", async () => {
  await assertBadInput("killsnoop", [
    [["-k"], /^tsnap: unknown option '-k'/],
    [["-s", "65"], /^tsnap: -s must be signal numbers from 1 to 64, got '65'\n$/],
    [["extra"], /^tsnap: unexpected argument 'extra'\n$/],
  ]);
});
