// tsnap mountsnoop against a workload that makes known mount and umount2 calls in its own
// mount namespace (test/workloads/mount-calls.c: N tmpfs mounts and unmounts, an unknown
// filesystem, an unmount of nothing, a remount read-only, a lazy unmount, a bind of a
// missing path) and side by side with libbpf-tools' mountsnoop on the same run.
import assert from "node:assert/strict";
import { existsSync, readlinkSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, libbpfTool, ours, stopAll, theirs } from "../../testkit/bcc-tools.js";
import { compileWorkload, REPO_ROOT, signalAndWait, startWorkload } from "../../testkit/workloads.js";
import type { MountEvent } from "./mountsnoop-records.js";
import { callText, flagsText, line, retText } from "./mountsnoop-report.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/mountsnoop.bpf.o`);
const skip = !root
  ? "needs root"
  : !built
    ? "build/bpf/mountsnoop.bpf.o not built (scripts/setup.sh)"
    : false;
const skipRef =
  skip || (libbpfTool("mountsnoop") ? false : "libbpf-tools mountsnoop not installed (setup.sh --tests)");
const N = 20;
const MS_NOSUID = 2;
const MS_NODEV = 4;
const MS_RDONLY = 1;
const MS_REMOUNT = 32;
const MS_BIND = 4096;
const MNT_DETACH = 2;

interface JsonCall {
  pid: number;
  tid: number;
  mnt_ns: number;
  op: string;
  ret: number;
  latency_us: number;
  fs: string;
  source: string;
  target: string;
  data: string;
  flags: number;
}

test("one run, three tracers: every mount and umount2 call of the workload, as libbpf-tools' mountsnoop lists them", {
  skip: skipRef,
  timeout: 60_000,
}, async () => {
  const handles = liveCount();
  const w = await startWorkload(compileWorkload("mount-calls"), [String(N)]);
  try {
    const [, pid, dir] = w.ready;
    const ns = Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/mnt`))![1]);
    assert.notEqual(ns, Number(/\[(\d+)\]/.exec(readlinkSync("/proc/self/ns/mnt"))![1]));
    const t = {
      json: ours(["mountsnoop", "-p", pid, "--json"]),
      text: ours(["mountsnoop", "-p", pid], "CALL\n"),
      ref: theirs("mountsnoop", ["-p", pid], "CALL\n"),
    };
    await Promise.all(Object.values(t).map((x) => x.started));
    assert.equal(await signalAndWait(w), `done ${2 * N + 3} 3\n`);
    await new Promise((r) => setTimeout(r, 300)); // the last records reach every ring
    const res = await stopAll(t);

    // JSON: the calls the workload made, in order, with their arguments and results.
    const calls = res.json.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as JsonCall);
    const tmpfs = ["mount", 0, "tmpfs", "tsnap-src", dir, "size=1m,mode=700", MS_NOSUID | MS_NODEV];
    const umount = ["umount", 0, "", "", dir, "", 0];
    assert.deepEqual(
      calls.map((c) => [c.op, c.ret, c.fs, c.source, c.target, c.data, c.flags]),
      [
        ...Array.from({ length: N }, () => [tmpfs, umount]).flat(),
        ["mount", -19, "nofs", "none", dir, "", 0],
        ["umount", -22, "", "", dir, "", 0],
        ["mount", 0, "tmpfs", "tsnap-src", dir, "", 0],
        ["mount", 0, "", "", dir, "", MS_REMOUNT | MS_RDONLY],
        ["umount", 0, "", "", dir, "", MNT_DETACH],
        ["mount", -2, "", `${dir}/missing`, dir, "", MS_BIND],
      ],
    );
    assert.ok(calls.every((c) => c.pid === Number(pid) && c.tid === Number(pid) && c.mnt_ns === ns));
    assert.ok(calls.every((c) => c.latency_us > 0 && c.latency_us < 1e6));

    // Text: libbpf-tools' lines, but for the bind, whose flag libbpf-tools v0.26 names
    // MS_MOVE (its table is one bit off there).
    const rows = (out: string) => out.split("\n").filter((l) => l.split(/ +/)[1] === pid);
    const mine = rows(res.text.out);
    const refRows = rows(res.ref.out);
    assert.equal(mine.length, 2 * N + 6);
    assert.deepEqual(mine.slice(0, -1), refRows.slice(0, -1));
    assert.match(mine.at(-1)!, / MS_BIND, ""\) = -ENOENT$/);
    assert.equal(res.text.out.split("\n")[0], res.ref.out.split("\n")[0]);
    assert.equal(liveCount(), handles, "every BPF object and link closed");
  } finally {
    await w.stop();
  }
});

test("the call, the flags and the result written as libbpf-tools writes them; -d one field a line", () => {
  assert.equal(flagsText(0n), "0x0");
  assert.equal(flagsText(BigInt(MS_RDONLY | MS_REMOUNT)), "MS_RDONLY | MS_REMOUNT");
  assert.equal(flagsText(BigInt(MS_BIND | (1 << 14))), "MS_BIND | MS_REC");
  assert.equal(flagsText(512n), "0x200");
  assert.equal(retText(0), "0");
  assert.equal(retText(-2), "-ENOENT");
  assert.equal(retText(-11), "-EAGAIN");
  assert.equal(retText(-4095), "-4095");
  const e: MountEvent = {
    ts: 0n,
    latencyNs: 254_900n,
    flags: 6n,
    pid: 7,
    tid: 8,
    mntNs: 4026532177,
    ret: 0,
    op: "mount",
    comm: "mc",
    fs: "tmpfs",
    src: "s",
    dest: "/d",
    data: "size=1m",
  };
  assert.equal(callText(e), 'mount("s", "/d", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m") = 0');
  assert.equal(
    line(e, { timestamp: false, detailed: true }, new Date()),
    "PID:    7\nTID:    8\nCOMM:   mc\nOP:     MOUNT\nRET:    0\nLAT:    254us\nMNT_NS: 4026532177\n" +
      "FS:     tmpfs\nSOURCE: s\nTARGET: /d\nDATA:   size=1m\nFLAGS:  MS_NOSUID | MS_NODEV\n\n",
  );
});

test("bad input: one error line and exit 2; as a non-root user: one line and exit 1", async () => {
  await assertBadInput("mountsnoop", [
    [["-p", "x"], /^tsnap: -p must be a decimal number, got 'x'\n$/],
    [["extra"], /^tsnap: unexpected argument 'extra'\n$/],
    [["--bogus"], /^tsnap: unknown option '--bogus'/],
  ]);
});
