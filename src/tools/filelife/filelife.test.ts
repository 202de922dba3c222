// tsnap filelife against a workload that creates and deletes files in known ways
// (test/workloads/file-life.c: created by creat then renamed, by openat relative to a
// directory fd, by open and deleted while still open; and files that existed before, opened
// with O_CREAT and deleted, which must not be listed), the ages bracketed by the
// workload's own clock. libbpf-tools' filelife on the same run where it loads (it needs
// kprobes on vfs_create/vfs_unlink).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, libbpfTool, ours, parseNdjson, stopAll, theirs } from "../../testkit/bcc-tools.js";
import { compileWorkload, REPO_ROOT, signalAndWait, startWorkload } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/filelife.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/filelife.bpf.o not built (scripts/setup.sh)" : false;
const N = 20;
const SLEEP_MS = 150;

interface JsonDeath {
  pid: number;
  comm: string;
  creator_pid: number;
  age_s: number;
  file: string;
}

test("every file the workload created and deleted, by its last name, aged within the workload's bracket", {
  skip,
  timeout: 60_000,
}, async (t) => {
  const handles = liveCount();
  const w = await startWorkload(compileWorkload("file-life"), [String(N), String(SLEEP_MS)]);
  try {
    const [, pid] = w.ready;
    const tracers = {
      json: ours(["filelife", "-p", pid, "--json"]),
      text: ours(["filelife", "-p", pid], "FILE\n"),
    };
    await Promise.all(Object.values(tracers).map((x) => x.started));
    // libbpf-tools' filelife, where it loads (kprobes): on this kernel kind it exits at once.
    const ref = libbpfTool("filelife") ? theirs("filelife", ["-p", pid]) : undefined;
    const refRunning = ref ? await ref.started.then(() => true).catch(() => false) : false;
    const out = await signalAndWait(w);
    await new Promise((r) => setTimeout(r, 300)); // the last records reach the rings
    const res = await stopAll(tracers);

    // The workload's truth: each file's name and the bracket of its age.
    const truth = out
      .split("\n")
      .filter((l) => l.startsWith("file "))
      .map((l) => l.split(" "))
      .map(([, name, lo, hi]) => ({ name, lo: Number(lo) / 1e9, hi: Number(hi) / 1e9 }));
    assert.match(out, new RegExp(`done ${3 * N}\\n`));
    assert.equal(truth.length, 3 * N);

    const deaths = parseNdjson<JsonDeath>(res.json.out);
    assert.deepEqual(
      deaths.map((d) => d.file),
      truth.map((f) => f.name),
      "the files created (renamed ones by their new name), in the order deleted; no x<i> (they existed)",
    );
    for (const [i, d] of deaths.entries()) {
      const f = truth[i];
      assert.ok(d.age_s >= f.lo && d.age_s <= f.hi, `${d.file}: ${d.age_s} s not in [${f.lo}, ${f.hi}]`);
      assert.equal(d.pid, Number(pid));
      assert.equal(d.creator_pid, Number(pid));
      assert.ok(d.comm.startsWith("file-life"), d.comm);
    }
    // Text: libbpf-tools' columns; the age to the hundredth of a second.
    const rows = res.text.out.split("\n").filter((l) => /^\d\d:\d\d:\d\d /.test(l));
    assert.equal(rows.length, 3 * N);
    for (const [i, r] of rows.entries()) {
      const m = /^\d\d:\d\d:\d\d (\d+) +(\S+) +(\d+\.\d\d) +(\S+)$/.exec(r);
      assert.ok(m, r);
      assert.equal(m[1], pid);
      assert.equal(m[4], truth[i].name);
      assert.ok(Number(m[3]) >= truth[i].lo - 0.005 && Number(m[3]) <= truth[i].hi + 0.005, r);
    }
    assert.match(
      res.text.out,
      /^Tracing the lifespan of short-lived files \.\.\. Hit Ctrl-C to end\.\nTIME {5}PID {4}COMM {13}AGE\(s\) {2}FILE\n/,
    );

    if (ref && refRunning) {
      const theirRows = (await ref.stop()).out.split("\n").filter((l) => /^\d\d:\d\d:\d\d /.test(l));
      assert.deepEqual(
        theirRows.map((l) => l.split(/ +/)[4]),
        truth.map((f) => f.name),
      );
    } else {
      await ref?.stop();
      t.diagnostic("libbpf-tools filelife does not load here (kprobes on vfs_create): not compared");
    }
    assert.equal(liveCount(), handles, "every BPF object and link closed");
  } finally {
    await w.stop();
  }
});

test("bad input: one error line and exit 2; as a non-root user: one line and exit 1", async () => {
  await assertBadInput("filelife", [
    [["-p", "x"], /^tsnap: -p must be a decimal number, got 'x'\n$/],
    [["-d", "0"], /^tsnap: -d must be more than 0 seconds, got 0\n$/],
    [["extra"], /^tsnap: unexpected argument 'extra'\n$/],
  ]);
});
