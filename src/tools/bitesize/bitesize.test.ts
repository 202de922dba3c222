// tsnap bitesize against O_DIRECT I/O of known sizes (test/workloads/odirect-sizes.c: N
// reads of 4, 16 and 64 KiB in turn, N writes of 8 KiB) and side by side with
// libbpf-tools' bitesize counting the same run: the workload's histogram holds exactly
// those I/Os in their slots, and is libbpf-tools', slot for slot.
import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, libbpfTool, ours, parseHistText, stopAll, theirs } from "../../testkit/bcc-tools.js";
import { compileWorkload, REPO_ROOT, signalAndWait, startWorkload } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/bitesize.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/bitesize.bpf.o not built (scripts/setup.sh)" : false;
const skipRef =
  skip || (libbpfTool("bitesize") ? false : "libbpf-tools bitesize not installed (setup.sh --tests)");
const FILE = "/var/tmp/tsnap-bitesize-test.dat";
const N = 60;

test("O_DIRECT I/O of known sizes: each in its Kbytes slot, exactly, and as libbpf-tools' bitesize counts it", {
  skip: skipRef,
  timeout: 60_000,
}, async () => {
  const handles = liveCount();
  const w = await startWorkload(compileWorkload("odirect-sizes"), [FILE, String(N)]);
  try {
    const comm = "odirect-sizes";
    const t = {
      text: ours(["bitesize", "-c", comm]),
      ref: theirs("bitesize", ["-c", comm]),
      json: ours(["bitesize", "--json", "-T"]),
    };
    await Promise.all(Object.values(t).map((x) => x.started));
    await signalAndWait(w);
    await new Promise((r) => setTimeout(r, 200));
    const { text, ref, json } = await stopAll(t);
    // The truth: N/3 reads each of 4, 16 and 64 KiB (slots 2, 4, 6), N writes of 8 KiB (slot 3).
    const want = new Array(7).fill(0);
    want[2] = N / 3;
    want[4] = N / 3;
    want[6] = N / 3;
    want[3] = N;
    const mine = parseHistText(text.out);
    assert.equal(mine.length, 1, text.out);
    assert.match(mine[0].head, /^Process Name = odirect-sizes/);
    assert.equal(mine[0].unit, "Kbytes");
    assert.deepEqual(mine[0].counts, want, text.out);
    assert.deepEqual(parseHistText(ref.out), mine, `${text.out}\n${ref.out}`);
    assert.match(text.out, /^Tracing block device I\/O\.\.\. Hit Ctrl-C to end\.\n\n\nProcess Name = /);
    // JSON: the workload's object among every process's.
    const obj = json.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { comm: string; count: number; slots: { low: number; count: number }[] })
      .find((o) => o.comm.startsWith(comm));
    assert.equal(obj?.count, 2 * N);
    assert.deepEqual(
      obj?.slots.map((s) => [s.low, s.count]),
      [
        [4, N / 3],
        [8, N],
        [16, N / 3],
        [64, N / 3],
      ],
    );
    assert.equal(liveCount(), handles, "every BPF object and link closed");
  } finally {
    await w.stop();
    rmSync(FILE, { force: true });
  }
});

test("bad input: one error line and exit 2 (an unknown disk: 1); as a non-root user: one line and exit 1", async () => {
  await assertBadInput("bitesize", [
    [["-c", "a-name-longer-than-15"], 2, /^tsnap: -c: a process name has at most 15 bytes/],
    [["-d", "nosuchdisk"], 1, /^tsnap: no disk 'nosuchdisk' in \/proc\/partitions\n$/],
    [["0"], 2, /^tsnap: interval must be a positive number, got '0'\n$/],
  ]);
});
