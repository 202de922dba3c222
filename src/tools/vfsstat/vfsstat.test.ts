// tsnap vfsstat against file operations of known kinds and counts: test/workloads/vfs-ops.c
// makes, N times, each syscall every column counts (5 reads, 5 writes, 2 fsyncs, 5 opens of
// which 2 create, 2 unlinks, 2 mkdirs, 2 rmdirs) and 4 calls that fail (counted nowhere),
// then writes its "done" line (one more write). Under -p (only the workload), the counts
// summed over the lines are exactly those. libbpf-tools' vfsstat needs kprobes or fentry
// and does not load here: it is no reference on this kernel (the test says so).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertNeedsRoot, libbpfToolSkip, ours, parseNdjson, stopAll } from "../../testkit/bcc-tools.js";
import { runTsnap, TSNAP_BIN } from "../../testkit/cli.js";
import { compileWorkload, startWorkload } from "../../testkit/workloads.js";
import { STATS, type StatCounts, vfsstatPrograms } from "./vfsstat-records.js";
import { header, renderJson, renderText, statDeltas } from "./vfsstat-report.js";

const root = process.getuid?.() === 0;
const N = 200;

test("N rounds of every counted syscall: each column's calls exactly, failures not counted", {
  skip: root ? false : "needs root",
  timeout: 60_000,
}, async () => {
  const handles = liveCount();
  const d = mkdtempSync(join(tmpdir(), "tsnap-vfsstat-"));
  try {
    const w = await startWorkload(compileWorkload("vfs-ops"), [String(N), d]);
    try {
      const pid = w.ready[1];
      const t = {
        json: ours(["vfsstat", "--json", "-p", pid, "0.5"]),
        text: ours(["vfsstat", "-p", pid, "0.5"]),
      };
      await Promise.all(Object.values(t).map((x) => x.started));
      let out = "";
      w.child.stdout!.on("data", (b: Buffer) => {
        out += b.toString();
      });
      const exited = new Promise<void>((res) => w.child.once("exit", () => res()));
      w.child.kill("SIGUSR1");
      await exited;
      const res = await stopAll(t);
      assert.equal(out.trim(), `done ${23 * N}`, "every operation of the workload succeeded");
      const lines = parseNdjson<Record<string, number>>(res.json.out);
      const sum = (k: string) => lines.reduce((s, l) => s + l[k], 0);
      const expected: Record<string, number> = {
        read: 5 * N,
        write: 5 * N + 1,
        fsync: 2 * N,
        open: 5 * N,
        create: 2 * N,
        unlink: 2 * N,
        mkdir: 2 * N,
        rmdir: 2 * N,
      };
      for (const [k, v] of Object.entries(expected)) assert.equal(sum(k), v, `${k}: ${sum(k)} of ${v}`);
      // The text layout: libbpf-tools' header, then its lines of rates.
      assert.ok(res.text.out.startsWith(header()), res.text.out);
      assert.match(res.text.out, /\n\d\d:\d\d:\d\d: ( +\d+){8}\n/);
      assert.equal(liveCount(), handles, "every fd and link closed");
    } finally {
      await w.stop();
    }
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test("libbpf-tools vfsstat is no reference here: it needs kprobes or fentry", {
  skip: root ? false : "needs root",
}, (t) => {
  const why = libbpfToolSkip("vfsstat", ["1", "1"]);
  if (why === false) t.skip("libbpf-tools vfsstat loads here (compare by hand: it counts vfs_* calls)");
  else assert.match(why, /not installed|does not load/);
});

test("bad input: one line, exit 2; not root: exit 1", async () => {
  for (const args of [["0"], ["x"], ["1", "0"], ["1", "1.5"], ["1", "2", "3"], ["-p", "abc"], ["--nope"]]) {
    const r = await runTsnap(["vfsstat", ...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr.split("\n").length, 2, r.stderr);
    assert.match(r.stderr, /^tsnap: /);
  }
  if (root) assertNeedsRoot("vfsstat", TSNAP_BIN);
});

test("libbpf-tools' layout: rates floored per second; programs only for the syscalls the kernel has", () => {
  const zero = Object.fromEntries(STATS.map((s) => [s, 0])) as StatCounts;
  const now: StatCounts = { ...zero, READ: 25, WRITE: 7, OPEN: 3, RMDIR: 1 };
  const d = statDeltas(now, { ...zero, READ: 5 });
  assert.equal(d.READ, 20);
  assert.equal(
    header(),
    "TIME         READ/s  WRITE/s  FSYNC/s   OPEN/s CREATE/s UNLINK/s  MKDIR/s  RMDIR/s\n",
  );
  const at = new Date(2026, 11, 2, 13, 4, 5);
  assert.equal(
    renderText(d, 2, at),
    "13:04:05:        10        3        0        1        0        0        0        0\n",
  );
  const j = JSON.parse(renderJson(d, 2, at));
  assert.deepEqual([j.read, j.read_per_s, j.write_per_s, j.rmdir], [20, 10, 3.5, 1]);
  // arm64 has no open, creat, mkdir, unlink, rmdir, mknod: only what the kernel has is loaded.
  const arm = [
    "sys_enter_openat",
    "sys_exit_openat",
    "sys_exit_read",
    "sys_enter_unlinkat",
    "sys_exit_unlinkat",
  ];
  assert.deepEqual(vfsstatPrograms(arm), [
    "vfsstat_exit_read",
    "vfsstat_exit_openat",
    "vfsstat_exit_unlinkat",
    "vfsstat_enter_openat",
    "vfsstat_enter_unlinkat",
  ]);
});
