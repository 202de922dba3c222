// tsnap biostacks against a workload of O_DIRECT reads and writes whose code path is
// known (test/workloads/odirect-sizes.c: N preads, then N pwrites, each one request):
// the workload's histograms add up to N I/Os under a stack through the pread64 system
// call and N under one through pwrite64, both with the block layer's submit path
// (submit_bio → blk_mq_submit_bio) below, on the disk under /var/tmp.
// libbpf-tools' biostacks needs kprobes: no reference here.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertNeedsRoot, diskOf, libbpfTool, ours, stopAll } from "../../testkit/bcc-tools.js";
import { runTsnap, TSNAP_BIN } from "../../testkit/cli.js";
import { compileWorkload, REPO_ROOT, signalAndWait, startWorkload } from "../../testkit/workloads.js";
import { renderText } from "./biostacks-report.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/biostacks.bpf.o`);
const FILE = "/var/tmp/tsnap-biostacks-test.dat";
const DISK = root ? diskOf("/var/tmp") : undefined;
const skip = !root
  ? "needs root"
  : !built
    ? "build/bpf/biostacks.bpf.o not built (scripts/setup.sh)"
    : !DISK
      ? "/var/tmp is not on a block device"
      : false;
const N = 30;

interface JsonHist {
  pid: number;
  comm: string;
  disk: string;
  stack: string[];
  unit: string;
  counts: number[];
}

test("the workload's reads and writes under their system call's stack, through blk_mq_submit_bio, N each", {
  skip,
  timeout: 60_000,
}, async () => {
  const handles = liveCount();
  const w = await startWorkload(compileWorkload("odirect-sizes"), [FILE, String(N)]);
  try {
    const pid = Number(w.ready[1]);
    const t = {
      json: ours(["biostacks", "--json", "-d", DISK!], "Ctrl-C to end."),
      text: ours(["biostacks", "-m"], "Ctrl-C to end."),
    };
    await Promise.all(Object.values(t).map((x) => x.started));
    await signalAndWait(w);
    await new Promise((r) => setTimeout(r, 300));
    const res = await stopAll(t);
    const hists = res.json.out
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as JsonHist);
    assert.ok(hists.every((h) => h.disk === DISK && h.unit === "usecs"));
    const mine = hists.filter((h) => h.pid === pid);
    const ios = (call: RegExp) =>
      mine
        .filter((h) => h.stack.some((f) => call.test(f)))
        .reduce((s, h) => s + h.counts.reduce((a, b) => a + b, 0), 0);
    assert.equal(ios(/sys_pread64$/), N, JSON.stringify(mine.map((h) => h.stack)));
    assert.equal(ios(/sys_pwrite64$/), N);
    for (const h of mine) {
      assert.ok(h.comm.startsWith("odirect-sizes"));
      const submit = h.stack.indexOf("blk_mq_submit_bio");
      assert.ok(submit >= 0, `the block layer's submit path: ${h.stack.join(" ")}`);
      assert.ok(h.stack.slice(submit).some((f) => /submit_bio/.test(f) && f !== "blk_mq_submit_bio"));
    }
    // Text: libbpf-tools' layout, in ms with -m.
    assert.match(
      res.text.out,
      new RegExp(`\\nodirect-sizes- ${pid} +${DISK} *\\nblk_account_io_start\\nblk_mq_submit_bio\\n`),
    );
    assert.match(res.text.out, /\n {5}msecs {15}: count {4}distribution\n/);
    assert.equal(liveCount(), handles, "every BPF object and link closed");
  } finally {
    await w.stop();
    rmSync(FILE, { force: true });
  }
});

test("libbpf-tools biostacks is no reference here: it needs fentry or kprobes on blk_account_io_start/done", {
  skip: !root
    ? "needs root"
    : !libbpfTool("biostacks")
      ? "libbpf-tools biostacks not installed (setup.sh --tests)"
      : false,
}, (t) => {
  // fentry is refused (EPERM) and it exits 0 (v0.26): the proof is its missing "Tracing" line.
  const r = spawnSync(libbpfTool("biostacks")!, ["1"], { encoding: "utf8", timeout: 15_000 });
  if (/Tracing/.test(r.stdout)) t.skip("libbpf-tools biostacks loads here: compare it with tsnap's");
  else assert.match(r.stderr, /failed to load BPF object|failed to create kprobe/);
});

test("bad input: one line, exit 2 (an unknown disk: 1); not root: exit 1", async () => {
  for (const args of [["0"], ["x"], ["1", "2"], ["-d"], ["--bogus"]]) {
    const r = await runTsnap(["biostacks", ...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr.split("\n").length, 2, r.stderr);
    assert.match(r.stderr, /^tsnap: /);
  }
  const r = await runTsnap(["biostacks", "-d", "nosuchdisk", "1"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^tsnap: no disk 'nosuchdisk' in \/proc\/partitions\n$/);
  if (root) assertNeedsRoot("biostacks", TSNAP_BIN);
});

test("layout: COMM PID DISK, the frames, the histogram, a blank line", () => {
  const counts = [0, 0, 3, 1];
  const out = renderText(
    [
      {
        pid: 42,
        comm: "a-long-process-name",
        dev: 7,
        kstack: 1,
        counts,
        stack: { kind: "frames", frames: ["f", "g"] },
      },
    ],
    new Map([[7, "sdz"]]),
    "usecs",
  );
  assert.equal(
    out,
    "a-long-process 42     sdz    \nf\ng\n" +
      "     usecs               : count    distribution\n" +
      "         0 -> 1          : 0        |                                        |\n" +
      "         2 -> 3          : 0        |                                        |\n" +
      "         4 -> 7          : 3        |****************************************|\n" +
      "         8 -> 15         : 1        |*************                           |\n\n",
  );
});
