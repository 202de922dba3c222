// tsnap sigsnoop against a workload that sends known signals (test/workloads/signal-storm.c:
// N kill, N tkill, N tgkill, invalid signals, existence tests, a SIGKILL, calls to a
// reaped process, its own exit's SIGCHLD) and side by side with libbpf-tools' sigsnoop tracing the same run: the
// same signals, the same columns. Several tracers run at once on one run.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, libbpfTool, ours, stopAll, theirs } from "../../testkit/bcc-tools.js";
import { compileWorkload, REPO_ROOT, signalAndWait, startWorkload } from "../../testkit/workloads.js";
import { signalName } from "./sigsnoop-report.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/sigsnoop.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/sigsnoop.bpf.o not built (scripts/setup.sh)" : false;
const skipRef =
  skip || (libbpfTool("sigsnoop") ? false : "libbpf-tools sigsnoop not installed (setup.sh --tests)");
const N = 100;
const M = 10;
const HEADER = "RESULT\n";

interface JsonSignal {
  pid: number;
  tid: number;
  comm: string;
  sig: number;
  tpid: number;
  ret: number;
  source: string;
}

const parse = (out: string) =>
  out
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JsonSignal);
/** The text lines of one sender, without the TIME column (the tools read the clock apart). */
const rows = (out: string, pid: string) =>
  out
    .split("\n")
    .filter((l) => l.split(/ +/)[1] === pid)
    .map((l) => l.slice(9).trimEnd());

test("one run, six tracers: every signal the workload generates, as libbpf-tools' sigsnoop lists them", {
  skip: skipRef,
  timeout: 60_000,
}, async () => {
  const handles = liveCount();
  const w = await startWorkload(compileWorkload("signal-storm"), [String(N), String(M)]);
  try {
    const [, pid, kid] = w.ready;
    const t = {
      json: ours(["sigsnoop", "-p", pid, "--json"]),
      text: ours(["sigsnoop", "-p", pid], HEADER),
      ref: theirs("sigsnoop", ["-p", pid], HEADER),
      names: ours(["sigsnoop", "-n", "-s", "9,12"], HEADER),
      refNames: theirs("sigsnoop", ["-n"], HEADER),
      failed: ours(["sigsnoop", "-x", "-p", pid, "--json"]),
    };
    await Promise.all(Object.values(t).map((x) => x.started));
    const stdout = await signalAndWait(w);
    assert.equal(stdout, `done ${3 * N + M + 1} ${2 * M}\n`);
    await new Promise((r) => setTimeout(r, 300)); // the last records reach every ring
    const res = await stopAll(t);

    // JSON: one generated signal per call that sent one, in order, all to the child; then
    // the workload's own exit sends SIGCHLD to its parent (this test).
    const sent = parse(res.json.out);
    assert.deepEqual(
      sent.map((e) => [e.sig, e.tpid]),
      [
        ...Array(N).fill([12, Number(kid)]),
        ...Array(N).fill([28, Number(kid)]),
        ...Array(N).fill([40, Number(kid)]),
        [9, Number(kid)],
        [17, process.pid],
      ],
    );
    assert.ok(sent.every((e) => e.ret === 0 && e.source === "signal_generate"));
    assert.ok(
      sent.every((e) => e.pid === Number(pid) && e.tid === Number(pid) && e.comm.startsWith("signal-storm")),
    );
    // -x: none of them failed (the failed calls never generate a signal).
    assert.equal(res.failed.out, "");

    // Text: libbpf-tools' lines for the same signals, in the same order; the header too.
    const mine = rows(res.text.out, pid);
    assert.equal(mine.length, 3 * N + 2);
    assert.deepEqual(mine, rows(res.ref.out, pid));
    assert.equal(res.text.out.split("\n")[0], res.ref.out.split("\n")[0]);
    // -n -s 9,12 (no -p): the workload's SIGUSR2s and SIGKILL, by name, as libbpf-tools -n.
    const named = rows(res.names.out, pid);
    assert.equal(named.length, N + 1);
    assert.ok(named.slice(0, N).every((l) => l.split(/ +/)[2] === "SIGUSR2"));
    const refNamed = rows(res.refNames.out, pid).filter((l) => / SIG(USR2|KILL) /.test(l));
    assert.deepEqual(named, refNamed);
    assert.equal(liveCount(), handles, "every BPF object and link closed");
  } finally {
    await w.stop();
  }
});

test("-k: the kill-family calls with their return values, as libbpf-tools' sigsnoop -k lists them", {
  skip: skipRef,
  timeout: 60_000,
}, async () => {
  const w = await startWorkload(compileWorkload("signal-storm"), [String(N), String(M)]);
  try {
    const [, pid, kid] = w.ready;
    const t = {
      json: ours(["sigsnoop", "-k", "-p", pid, "--json"]),
      text: ours(["sigsnoop", "-k", "-n", "-p", pid], HEADER),
      ref: theirs("sigsnoop", ["-k", "-n", "-p", pid], HEADER),
      failed: ours(["sigsnoop", "-k", "-x", "-p", pid, "--json"]),
    };
    await Promise.all(Object.values(t).map((x) => x.started));
    assert.equal(await signalAndWait(w), `done ${3 * N + M + 1} ${2 * M}\n`);
    await new Promise((r) => setTimeout(r, 300));
    const res = await stopAll(t);
    const calls = parse(res.json.out).map((e) => [e.source, e.sig, e.tpid, e.ret]);
    const k = Number(kid);
    assert.deepEqual(calls, [
      ...Array(N).fill(["kill", 12, k, 0]),
      ...Array(N).fill(["tkill", 28, k, 0]),
      ...Array(N).fill(["tgkill", 40, k, 0]),
      ...Array(M).fill(["kill", 99, k, -22]),
      ...Array(M).fill(["kill", 0, k, 0]),
      ["kill", 9, k, 0],
      ...Array(M).fill(["kill", 15, k, -3]),
    ]);
    assert.deepEqual(
      parse(res.failed.out).map((e) => e.ret),
      [...Array(M).fill(-22), ...Array(M).fill(-3)],
    );
    const mine = rows(res.text.out, pid);
    assert.equal(mine.length, 3 * N + 3 * M + 1);
    assert.deepEqual(mine, rows(res.ref.out, pid));
  } finally {
    await w.stop();
  }
});

test("-n names: the kernel's names of 1..31, N/A for 0 (libbpf-tools' table), the number beyond", () => {
  assert.equal(signalName(9), "SIGKILL");
  assert.equal(signalName(31), "SIGSYS");
  assert.equal(signalName(0), "N/A");
  assert.equal(signalName(40), "40");
  assert.equal(signalName(99), "99");
});

test("bad input: one error line and exit 2; as a non-root user: one line and exit 1", async () => {
  await assertBadInput("sigsnoop", [
    [["-p", "x"], /^tsnap: -p must be a decimal number, got 'x'\n$/],
    [["-s", "0"], /^tsnap: -s must be signal numbers from 1 to 64, got '0'\n$/],
    [["-s", "9,x"], /^tsnap: -s must be signal numbers from 1 to 64, got 'x'\n$/],
    [["extra"], /^tsnap: unexpected argument 'extra'\n$/],
    [["--bogus"], /^tsnap: unknown option '--bogus'/],
  ]);
});
