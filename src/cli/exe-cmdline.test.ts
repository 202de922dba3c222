// exe is the full path, exe_name its file name, and capture records cmdline: checked on a
// real process whose executable path and arguments the test chose, live and in history.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, runTsnap } from "../testkit/cli.js";
import { compileWorkload, startWorkload } from "../testkit/workloads.js";

const sources = process.getuid?.() === 0 ? ["proc", "bpf"] : ["proc"];

test(`exe, exe_name and cmdline: live (top) and captured (query), sources ${sources.join(", ")}`, async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnap-exe-"));
  const bin = join(dir, "my-spinner");
  copyFileSync(compileWorkload("spin"), bin);
  const w = await startWorkload(bin, ["1", "30"]);
  try {
    const pid = String(w.child.pid);
    for (const source of sources) {
      const live = await runCli([
        "top",
        "--source",
        source,
        "-p",
        pid,
        "-g",
        "exe,exe_name,cmdline",
        "-d",
        "0.3",
        "--format",
        "json",
      ]);
      assert.equal(live.code, 0, live.stderr);
      assert.deepEqual(
        (JSON.parse(live.stdout) as Record<string, unknown>[]).map((r) => [r.exe, r.exe_name, r.cmdline]),
        [[bin, "my-spinner", `${bin} 1 30`]],
        source,
      );
      const out = join(dir, `cap-${source}`);
      const cap = await runTsnap([
        "capture",
        "-o",
        out,
        "--source",
        source,
        "-p",
        pid,
        "--hz",
        "10",
        "-d",
        "1",
      ]);
      assert.equal(cap.code, 0, cap.stderr);
      const q = await runCli([
        "query",
        out,
        "-g",
        "exe,exe_name,cmdline",
        "-w",
        "exe_name=my-spinner",
        "--format",
        "json",
      ]);
      assert.equal(q.code, 0, q.stderr);
      const rows = (JSON.parse(q.stdout) as { rows: Record<string, unknown>[] }).rows;
      assert.deepEqual(
        rows.map((r) => [r.exe, r.exe_name, r.cmdline]),
        [[bin, "my-spinner", `${bin} 1 30`]],
        source,
      );
    }
  } finally {
    await w.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
