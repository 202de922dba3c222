// Optional columns of the proc source against what we know of the workload we started.
import assert from "node:assert/strict";
import { userInfo } from "node:os";
import { test } from "node:test";
import { compileWorkload, startWorkload } from "../../testkit/workloads.js";
import { ProcSampler } from "./proc-sampler.js";

test("exe, cmdline, username, filename, wchan and kstack of a known workload", async () => {
  const bin = compileWorkload("ground-truth");
  const args = ["spin", "0", "sleep", "1", "pipe", "2", "vfork", "1"];
  const w = await startWorkload(bin, args);
  await new Promise((r) => setTimeout(r, 200));
  const pid = Number(w.ready[1]);
  const sampler = new ProcSampler({
    hz: 10,
    all: true,
    pids: new Set([pid]),
    needs: new Set(["syscall", "filename", "wchan", "kstack", "exe", "cmdline", "username", "cgroup", "io"]),
  });
  try {
    const samples = sampler.round().samples;
    assert.equal(samples.length, 4); // main (vfork) + 1 sleeper + 2 pipe readers
    for (const s of samples) {
      assert.equal(s.tgid, pid);
      assert.equal(s.exe, bin);
      assert.equal(s.cmdline, [bin, ...args].join(" "));
      assert.equal(s.username, userInfo().username);
      assert.ok(s.cgroup?.startsWith("/") || s.cgroup?.includes(":/"), `cgroup ${s.cgroup}`);
      assert.ok(s.read_bytes !== null && s.write_bytes !== null);
    }
    const readers = samples.filter((s) => s.comm === "gt-pipe");
    assert.equal(readers.length, 2);
    for (const r of readers) {
      assert.equal(r.syscall, "read");
      assert.match(r.filename ?? "", /^pipe:\[\d+\]$/);
      assert.equal(r.state, "SLEEP");
    }
    const main = samples.find((s) => s.tid === pid);
    assert.equal(main?.syscall, "vfork");
    // In D (the kernel's "D (disk sleep)") but waiting for its vfork child, not a disk.
    assert.equal(main?.state, "VFORK");
    if (process.getuid?.() === 0) {
      // The kernel stack of a vfork parent passes through kernel_clone (root only).
      assert.match(main?.kstack ?? "", /(^|;)kernel_clone\+0x[0-9a-f]+(;|$)/);
    } else {
      console.log("# kstack check skipped: /proc/PID/task/TID/stack needs root");
    }
    const sleeper = samples.find((s) => s.comm === "gt-sleep");
    assert.equal(sleeper?.syscall, "clock_nanosleep");
    assert.match(sleeper?.wchan ?? "", /nanosleep|schedule|hrtimer/);
    assert.equal(sleeper?.filename, null); // clock_nanosleep takes no fd
  } finally {
    sampler.close();
    await w.stop();
  }
});
