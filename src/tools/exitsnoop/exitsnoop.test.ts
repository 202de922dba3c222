// tsnap exitsnoop against a workload whose children end in known ways (test/workloads/
// exit-storm.c: exit codes 0..N-1, deaths by SIGUSR2, one that lives 300 ms, one with three
// threads) and side by side with libbpf-tools' exitsnoop tracing the same run: the same
// exits, the same columns. Several tracers run at once on one run.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, libbpfTool, ours, stopAll, theirs } from "../../testkit/bcc-tools.js";
import { compileWorkload, REPO_ROOT, signalAndWait, startWorkload } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/exitsnoop.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/exitsnoop.bpf.o not built (scripts/setup.sh)" : false;
const skipRef =
  skip || (libbpfTool("exitsnoop") ? false : "libbpf-tools exitsnoop not installed (setup.sh --tests)");
const N = 100;

interface JsonExit {
  pid: number;
  ppid: number;
  tid: number;
  comm: string;
  age_s: number;
  code: number;
  signal: number;
  core_dumped: boolean;
}

test("one run, six tracers: every exit of the workload's children, as libbpf-tools' exitsnoop lists them", {
  skip: skipRef,
  timeout: 60_000,
}, async () => {
  const handles = liveCount();
  const w = await startWorkload(compileWorkload("exit-storm"), [String(N)]);
  try {
    const pid = w.ready[1];
    const t = {
      text: ours(["exitsnoop"], "EXIT_CODE\n"),
      ref: theirs("exitsnoop", [], "EXIT_CODE\n"),
      json: ours(["exitsnoop", "--json"]),
      threads: ours(["exitsnoop", "-T", "--json"]),
      failed: ours(["exitsnoop", "-x", "-t"], "EXIT_CODE\n"),
      self: ours(["exitsnoop", "-p", pid, "--json"]),
    };
    await Promise.all(Object.values(t).map((x) => x.started));
    const stdout = await signalAndWait(w);
    assert.match(stdout, new RegExp(`done ${N + 2} ${N}\\n`));
    await new Promise((r) => setTimeout(r, 300)); // the last records reach every ring
    const res = await stopAll(t);
    const parse = (out: string) =>
      out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as JsonExit);

    // JSON: the workload's children, in order, ended as the workload ended them.
    const kids = parse(res.json.out).filter((e) => e.ppid === Number(pid));
    assert.equal(kids.length, 2 * N + 2);
    assert.deepEqual(
      kids.map((e) => [e.code, e.signal]),
      [
        ...Array.from({ length: N }, (_, i) => [i % 256, 0]),
        ...Array.from({ length: N }, () => [0, 12]),
        [42, 0],
        [7, 0],
      ],
    );
    assert.ok(kids.every((e) => e.pid === e.tid && !e.core_dumped && e.comm.startsWith("exit-storm")));
    const slow = kids[2 * N];
    assert.ok(slow.age_s >= 0.3 && slow.age_s < 1.5, `the 300 ms child lived ${slow.age_s} s`);
    assert.equal(new Set(kids.map((e) => e.pid)).size, kids.length);

    // -T: also the three threads of the last child (its PID, their own TIDs).
    const last = kids.at(-1)!;
    const threads = parse(res.threads.out).filter((e) => e.pid === last.pid);
    assert.equal(threads.length, 4);
    assert.equal(threads.at(-1)!.tid, last.pid, "the main thread ends last");
    assert.equal(new Set(threads.map((e) => e.tid)).size, 4);
    // -p: the workload itself, once, with code 0.
    assert.deepEqual(
      parse(res.self.out).map((e) => [e.pid, e.code, e.signal]),
      [[Number(pid), 0, 0]],
    );

    // Text: libbpf-tools' lines for the same exits (AGE(s) compared within 0.01 s: the two
    // programs read the clock at different instants).
    const rows = (out: string) =>
      out
        .split("\n")
        .map((l) => l.split(/ {2,}|(?<=\d) /))
        .filter((f) => f[2]?.trim() === pid);
    const mine = rows(res.text.out);
    const theirsRows = rows(res.ref.out);
    assert.equal(mine.length, 2 * N + 2);
    const noAge = (r: string[][]) => r.map((f) => [...f.slice(0, 4), ...f.slice(5)].join("|")).sort();
    assert.deepEqual(noAge(mine), noAge(theirsRows));
    assert.equal(res.text.out.split("\n")[0], res.ref.out.split("\n")[0]);
    const ages = new Map(theirsRows.map((f) => [f[1], Number(f[4])]));
    assert.ok(mine.every((f) => Math.abs(Number(f[4]) - ages.get(f[1])!) <= 0.011));
    assert.match(
      res.text.out,
      new RegExp(`\\n\\S+ +\\d+ +${pid} +\\d+ +\\d+\\.\\d\\d +signal 12 \\(User defined signal 2\\)\\n`),
    );
    // -x -t: the failures only (N - 1 non-zero codes, N signals, 42, 7), a time first.
    const failed = res.failed.out.split("\n").filter((l) => l.includes(` ${pid} `));
    assert.equal(failed.length, N - 1 + N + 2);
    assert.match(failed[0], /^\d\d:\d\d:\d\d exit-storm/);
    assert.equal(liveCount(), handles, "every BPF object and link closed");
  } finally {
    await w.stop();
  }
});

test("bad input: one error line and exit 2; as a non-root user: one line and exit 1", async () => {
  await assertBadInput("exitsnoop", [
    [["-p", "x"], /^tsnap: -p must be a decimal number, got 'x'\n$/],
    [["extra"], /^tsnap: unexpected argument 'extra'\n$/],
    [["--bogus"], /^tsnap: unknown option '--bogus'/],
  ]);
});
