import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import { compileWorkload, startWorkload } from "../../testkit/workloads.js";
import { ProcSampler } from "./proc-sampler.js";

const openFdCount = () => readdirSync("/proc/self/fd").length;

test("threads that exit mid-read are skipped and counted, never an error", async () => {
  const w = await startWorkload(compileWorkload("churn"), []);
  const pid = Number(w.ready[1]);
  const sampler = new ProcSampler({
    hz: 100,
    all: true,
    pids: new Set([pid]),
    needs: new Set(["syscall", "wchan", "kstack", "io"]),
  });
  let maxThreads = 0;
  try {
    for (let i = 0; i < 400; i++) {
      const r = sampler.round();
      maxThreads = Math.max(maxThreads, r.threadsSeen);
      for (const s of r.samples) assert.equal(s.tgid, pid);
    }
  } finally {
    sampler.close();
    await w.stop();
  }
  // The churn workload keeps up to 16 short-lived threads besides its main thread.
  assert.ok(maxThreads > 1, `saw short-lived threads (max ${maxThreads})`);
  assert.ok(sampler.stats().vanished > 0, "some threads exited between listing and reading");
});

test("fds stay bounded by live threads and are all closed by close()", async () => {
  const before = openFdCount();
  const w = await startWorkload(compileWorkload("churn"), []);
  const pid = Number(w.ready[1]);
  const sampler = new ProcSampler({
    hz: 100,
    all: true,
    pids: new Set([pid]),
    needs: new Set(["syscall", "wchan"]),
  });
  try {
    for (let i = 0; i < 200; i++) {
      sampler.round();
      // 3 files per thread, at most 17 threads alive at once.
      assert.ok(sampler.openFds <= 3 * 17, `open fds ${sampler.openFds}`);
    }
  } finally {
    sampler.close();
    await w.stop();
  }
  assert.equal(sampler.openFds, 0);
  assert.equal(openFdCount(), before);
});

test("a process that exits is dropped and its fds released", async () => {
  const w = await startWorkload(compileWorkload("ground-truth"), [
    "spin",
    "0",
    "sleep",
    "4",
    "pipe",
    "0",
    "vfork",
    "0",
  ]);
  const pid = Number(w.ready[1]);
  const sampler = new ProcSampler({
    hz: 10,
    all: true,
    pids: new Set([pid]),
    needs: new Set(["syscall", "wchan"]),
  });
  try {
    assert.equal(sampler.round().samples.length, 5);
    assert.equal(sampler.openFds, 15);
    await w.stop();
    const r = sampler.round();
    assert.equal(r.samples.length, 0);
    assert.equal(sampler.openFds, 0);
  } finally {
    sampler.close();
  }
});
