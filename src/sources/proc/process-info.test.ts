import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, readlinkSync } from "node:fs";
import { test } from "node:test";
import { ProcessInfoCache } from "./process-info.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The truth, read fresh from /proc (what the cache must agree with). */
function truth(pid: number): { cmdline: string; exe: string } {
  return {
    cmdline: readFileSync(`/proc/${pid}/cmdline`, "latin1").replace(/\0+$/, "").split("\0").join(" "),
    exe: readlinkSync(`/proc/${pid}/exe`),
  };
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await sleep(10);
  }
}

test("the cache follows an exec: cmdline and exe of the new image, one fd held", async () => {
  // sh waits for a byte on stdin, then execs sleep in the same process (same PID).
  const child = spawn("sh", ["-c", "read x; exec sleep 30"], { stdio: ["pipe", "ignore", "ignore"] });
  const pid = child.pid!;
  const cache = new ProcessInfoCache();
  try {
    await waitFor(() => readFileSync(`/proc/${pid}/cmdline`, "latin1").includes("read x"));
    cache.startRound();
    const before = truth(pid);
    assert.equal(cache.cmdline(pid), before.cmdline);
    assert.equal(cache.exe(pid), before.exe);
    assert.equal(cache.openFds, 1);
    child.stdin!.write("go\n");
    await waitFor(() => readFileSync(`/proc/${pid}/cmdline`, "latin1").startsWith("sleep"));
    cache.startRound();
    const after = truth(pid);
    assert.notEqual(after.exe, before.exe, "the workload did exec another binary");
    assert.equal(cache.cmdline(pid), after.cmdline);
    assert.equal(cache.exe(pid), after.exe);
    assert.equal(cache.openFds, 1);
  } finally {
    child.kill("SIGKILL");
    cache.close();
  }
  assert.equal(cache.openFds, 0);
});

test("a process that is gone reads as null and its fd is released", async () => {
  const child = spawn("sleep", ["30"], { stdio: "ignore" });
  const pid = child.pid!;
  const cache = new ProcessInfoCache();
  await waitFor(() => readFileSync(`/proc/${pid}/cmdline`, "latin1").startsWith("sleep"));
  cache.startRound();
  assert.equal(cache.cmdline(pid), "sleep 30");
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r)); // reaped: the PID is free for reuse
  cache.startRound();
  assert.equal(cache.cmdline(pid), null);
  assert.equal(cache.exe(pid), null);
  assert.equal(cache.openFds, 0);
  cache.close();
});

test("fd paths: reused while the kernel's file name still matches, read again when not", () => {
  const cache = new ProcessInfoCache();
  cache.startRound();
  const self = process.pid;
  const real = readlinkSync("/proc/self/fd/0");
  assert.equal(cache.fdPath(self, 0), real);
  cache.startRound();
  // A name that does not match the cached path forces a fresh readlink (same answer here).
  assert.equal(cache.fdPath(self, 0, "no-such-name"), real);
  assert.equal(cache.fdPath(self, -1), null);
  cache.close();
});
