// tsnap fsdist against a workload of known file operations (test/workloads/fs-ops.c: one
// create, N 4 KiB pwrites, one fsync, N preads, N opens on a file of the test directory's
// filesystem; P pipe reads that each wait ~5 ms for a writer): with -t the directory's
// type and -p, exactly those counts per operation; with -t pipefs, the P reads in the
// slots of ≥ 4 ms. libbpf-tools' fsdist needs kprobes or fentry: it does not run here
// (docs/bcc-coverage.md), so the truth is the workload's own.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, fsTypeOf, ours, parseHistText, stopAll } from "../../testkit/bcc-tools.js";
import { compileWorkload, REPO_ROOT, signalAndWait, startWorkload } from "../../testkit/workloads.js";
import { parseOptions } from "./fsdist.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/fsdist.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/fsdist.bpf.o not built (scripts/setup.sh)" : false;
const N = 200;
const P = 40;

interface JsonHist {
  operation: string;
  fstype: string;
  count: number;
  slots: { low: number; high: number; count: number }[];
}

const parse = (out: string): JsonHist[] =>
  out
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as JsonHist);

test("known file operations: exact counts per operation by filesystem type; pipe reads of 5 ms in their slots", {
  skip,
  timeout: 60_000,
}, async () => {
  const handles = liveCount();
  const dir = mkdtempSync(join(tmpdir(), "tsnap-fsdist-"));
  const fs = fsTypeOf(dir);
  const w = await startWorkload(compileWorkload("fs-ops"), [String(N), String(P), dir, "t"]);
  try {
    const pid = w.ready[1];
    const t = {
      text: ours(["fsdist", "-t", fs, "-p", pid]),
      json: ours(["fsdist", "-t", fs, "-p", pid, "--json"]),
      pipe: ours(["fsdist", "-t", "pipefs", "-p", pid, "--json"]),
      every: ours(["fsdist", "-p", pid, "--json", "-m"]),
    };
    await Promise.all(Object.values(t).map((x) => x.started));
    const stdout = await signalAndWait(w);
    assert.match(stdout, new RegExp(`done ${3 * N + 2 + P}\\n`));
    const res = await stopAll(t);

    // -t <dir's type>: exactly the workload's operations on its file.
    const byOp = Object.fromEntries(parse(res.json.out).map((h) => [h.operation, h]));
    assert.deepEqual(
      Object.fromEntries(Object.entries(byOp).map(([op, h]) => [op, h.count])),
      { read: N, write: N, open: N + 1, fsync: 1 },
      res.json.out,
    );
    assert.ok(Object.values(byOp).every((h) => h.fstype === fs));
    // The text: libbpf-tools' layout, one histogram per operation in its order.
    const hists = parseHistText(res.text.out);
    assert.deepEqual(
      hists.map((h) => [h.head, h.unit, h.counts.reduce((a, b) => a + b, 0)]),
      [
        ["operation = 'read'", "usecs", N],
        ["operation = 'write'", "usecs", N],
        ["operation = 'open'", "usecs", N + 1],
        ["operation = 'fsync'", "usecs", 1],
      ],
    );
    assert.match(
      res.text.out,
      new RegExp(`^Tracing ${fs} operation latency\\.\\.\\. Hit Ctrl-C to end\\.\n\noperation = 'read'\n`),
    );
    assert.match(res.text.out, /\|\n\noperation = 'write'\n/);

    // -t pipefs: the P reads, each waiting for a write 5 ms after the previous one: in
    // the slots from 4096 µs up (a few may find their byte already there under load).
    const [pipe] = parse(res.pipe.out);
    assert.equal(pipe.operation, "read");
    assert.equal(pipe.count, P);
    const slow = pipe.slots.filter((s) => s.low >= 4096).reduce((a, s) => a + s.count, 0);
    assert.ok(slow >= 0.9 * P, JSON.stringify(pipe.slots));

    // No -t: both types, each histogram named; -m: milliseconds (the pipe reads in 4-7 ms or more).
    const every = parse(res.every.out);
    const key = (h: JsonHist) => `${h.fstype}/${h.operation}`;
    const counts = Object.fromEntries(every.map((h) => [key(h), h.count]));
    assert.equal(counts[`${fs}/read`], N);
    assert.equal(counts[`${fs}/write`], N);
    assert.equal(counts["pipefs/read"], P);
    const pipeMs = every.find((h) => key(h) === "pipefs/read")!;
    assert.ok(pipeMs.slots.filter((s) => s.low >= 4).reduce((a, s) => a + s.count, 0) >= 0.9 * P);
    assert.equal(liveCount(), handles, "every BPF object and link closed");
  } finally {
    await w.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bad input: one error line and exit 2 (a type the kernel lacks: exit 1)", async () => {
  await assertBadInput("fsdist", [
    [["-t", "no/such"], 2, /^tsnap: -t must be a filesystem type name/],
    [["-t", "nosuchfs"], 1, /^tsnap: -t nosuchfs: not a filesystem type of this kernel/],
    [["-p", "0"], 2, /^tsnap: -p must be at least 1, got 0\n$/],
    [["1", "2", "3"], 2, /^tsnap: unexpected argument '3'\n$/],
  ]);
  assert.equal(parseOptions(["-t", "ext4"], () => ["ext4"]).fsType, "ext4");
});
