// tsnap fsslower against a workload of known file operations (test/workloads/fs-ops.c;
// fsdist.test.ts says what it does): with -m 0 and -p, one record per operation of the
// workload's file, with its type, bytes and offset; with -t pipefs -m 4, exactly the P pipe
// reads that each waited ~5 ms. libbpf-tools' fsslower needs kprobes or fentry: it does
// not run here (docs/bcc-coverage.md), so the truth is the workload's own.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, fsTypeOf, ours, stopAll } from "../../testkit/bcc-tools.js";
import { compileWorkload, REPO_ROOT, signalAndWait, startWorkload } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/fsslower.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/fsslower.bpf.o not built (scripts/setup.sh)" : false;
const N = 100;
const P = 30;

interface JsonOp {
  pid: number;
  comm: string;
  operation: string;
  fstype: string;
  bytes: number | null;
  offset: number;
  latency_us: number;
  file: string;
}

const parse = (out: string): JsonOp[] =>
  out
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as JsonOp);

test("known file operations: one record each with its bytes and offset; the 5 ms pipe reads above -m 4", {
  skip,
  timeout: 60_000,
}, async () => {
  const handles = liveCount();
  const dir = mkdtempSync(join(tmpdir(), "tsnap-fsslower-"));
  const fs = fsTypeOf(dir);
  const w = await startWorkload(compileWorkload("fs-ops"), [String(N), String(P), dir, "t"]);
  try {
    const pid = w.ready[1];
    const t = {
      all: ours(["fsslower", "-t", fs, "-p", pid, "-m", "0", "--json"], "Ctrl-C to end."),
      text: ours(["fsslower", "-t", fs, "-p", pid, "-m", "0"], "FILENAME\n"),
      csv: ours(["fsslower", "-t", fs, "-p", pid, "-m", "0", "-c"], "FILE\n"),
      pipe: ours(["fsslower", "-t", "pipefs", "-p", pid, "-m", "4", "--json"]),
      slow: ours(["fsslower", "-p", pid], "FILENAME\n"),
    };
    await Promise.all(Object.values(t).map((x) => x.started));
    const stdout = await signalAndWait(w);
    assert.match(stdout, new RegExp(`done ${3 * N + 2 + P}\\n`));
    await new Promise((r) => setTimeout(r, 300)); // the last records reach every ring
    const res = await stopAll(t);

    // -m 0: the workload's operations on its file, in order, each with its bytes and offset.
    const ops = parse(res.all.out);
    assert.ok(ops.every((e) => e.pid === Number(pid) && e.fstype === fs && e.file === "t.file"));
    const seq = ops.map((e) => e.operation[0]).join("");
    assert.equal(seq, `o${"w".repeat(N)}f${"r".repeat(N)}${"o".repeat(N)}`);
    const writes = ops.filter((e) => e.operation === "write");
    assert.deepEqual(
      writes.map((e) => [e.bytes, e.offset]),
      Array.from({ length: N }, (_, i) => [4096, i * 4096]),
    );
    const reads = ops.filter((e) => e.operation === "read");
    assert.deepEqual(
      reads.map((e) => [e.bytes, e.offset]),
      Array.from({ length: N }, (_, i) => [4096, i * 4096]),
    );
    assert.equal(ops.find((e) => e.operation === "fsync")?.bytes, null);

    // Text and CSV: libbpf-tools' layout, the same operations.
    const lines = res.text.out.split("\n");
    assert.equal(lines[0], `Tracing ${fs} operations... Hit Ctrl-C to end.`);
    assert.equal(lines[1], "TIME     COMM             PID     T BYTES   OFF_KB   LAT(ms) FILENAME");
    const body = lines.slice(2, -1);
    assert.equal(body.length, 3 * N + 2);
    assert.match(
      body[N],
      new RegExp(
        `^\\d\\d:\\d\\d:\\d\\d fs-ops\\S* +${pid} +W 4096 +${((N - 1) * 4096) / 1024} +\\d+\\.\\d\\d t\\.file$`,
      ),
    );
    assert.match(
      body[N + 1],
      new RegExp(`^\\d\\d:\\d\\d:\\d\\d fs-ops\\S* +${pid} +F LL_MAX +0 +\\d+\\.\\d\\d t\\.file$`),
    );
    const csv = res.csv.out.split("\n");
    assert.equal(csv[0], "ENDTIME_ns,TASK,PID,TYPE,BYTES,OFFSET_b,LATENCY_us,FILE");
    assert.equal(csv.length - 2, 3 * N + 2);
    assert.match(csv[2], new RegExp(`^\\d+,fs-ops\\S*,${pid},W,4096,0,\\d+,t\\.file$`));

    // -t pipefs -m 4: the pipe reads that waited for their byte (≥ 90%: under load a
    // byte can be there already), each of one byte, slower than 4 ms.
    const pipe = parse(res.pipe.out);
    assert.ok(pipe.length >= 0.9 * P && pipe.length <= P, `${pipe.length}`);
    assert.ok(pipe.every((e) => e.operation === "read" && e.bytes === 1 && e.latency_us > 4000));
    // Default -m 10 without -t: none of the 5 ms reads (the FSTYPE column is there).
    assert.match(
      res.slow.out,
      /^Tracing file operations slower than 10 ms\.\.\. Hit Ctrl-C to end\.\n.* FSTYPE +FILENAME\n/,
    );
    assert.equal(liveCount(), handles, "every BPF object and link closed");
  } finally {
    await w.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bad input: one error line and exit 2", async () => {
  await assertBadInput("fsslower", [
    [["-m", "x"], /^tsnap: -m must be a decimal number, got 'x'\n$/],
    [["-c", "--json"], /^tsnap: -c and --json: choose one output\n$/],
    [["-d", "0"], /^tsnap: -d must be more than 0 seconds, got 0\n$/],
    [["extra"], /^tsnap: unexpected argument 'extra'\n$/],
  ]);
});
