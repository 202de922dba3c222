import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { test } from "node:test";
import { bpfObjectPath } from "../bpf/paths.js";
import { InputError, UsageError } from "../errors.js";
import { runCli } from "../testkit/cli.js";
import { compileWorkload, startWorkload } from "../testkit/workloads.js";
import { parsePidFilter } from "./pid-filter.js";

test("-p: PIDs that exist, a regex otherwise, and clear refusals", () => {
  assert.deepEqual(parsePidFilter(undefined), {});
  assert.deepEqual(parsePidFilter(`${process.pid}, 1`).pids, new Set([process.pid, 1]));
  assert.equal(parsePidFilter("^java$").comm?.source, "^java$");
  assert.throws(() => parsePidFilter("0"), InputError);
  assert.throws(() => parsePidFilter("4194304999"), /no process with PID 4194304999/);
  assert.throws(() => parsePidFilter("123,java"), UsageError);
  assert.throws(() => parsePidFilter("-5"), /bad PID/);
  assert.throws(() => parsePidFilter("a("), /bad regular expression/);
});

const bpfRunsHere = process.getuid?.() === 0 && existsSync(bpfObjectPath("sampler"));
test("top -p with more PIDs than the kernel's filter holds: one clear line, exit 1, not 'a bug'", {
  skip: bpfRunsHere ? false : "needs root and build/bpf (the bpf source)",
  timeout: 60_000,
}, async () => {
  // 1100 thread IDs that exist (-p checks /proc/PID); the kernel filter holds 1024 entries.
  const w = await startWorkload(compileWorkload("idle-threads"), ["1100"]);
  try {
    const tids = readdirSync(`/proc/${w.ready[1]}/task`);
    assert.ok(tids.length > 1024, `${tids.length} threads`);
    const r = await runCli(["top", "--source", "bpf", "-p", tids.join(","), "-d", "0.2"]);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^tsnap: -p: the bpf source filters at most 1024 PIDs in the kernel, 1101 given/);
    assert.doesNotMatch(r.stderr, /bug/);
  } finally {
    await w.stop();
  }
});
