// The systemd unit: `systemd-analyze security --offline` scores it at most 4.0, it keeps
// files private, and tsnap capture works with nothing but the unit's capability bounding
// set (bpf source with kernel stacks), run through setpriv as systemd would limit it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runTsnap, TSNAP_BIN } from "../testkit/cli.js";
import { REPO_ROOT } from "../testkit/workloads.js";

const UNIT = join(REPO_ROOT, "packaging", "systemd", "tsnap-capture.service");

function has(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

/** Values of `Key=` lines of the unit (all of them, in order). */
function settings(key: string): string[] {
  return readFileSync(UNIT, "utf8")
    .split("\n")
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1).trim());
}

test("systemd-analyze security --offline: exposure of the unit at most 4.0", {
  skip: has("systemd-analyze") ? false : "systemd-analyze is not installed",
}, () => {
  const r = spawnSync("systemd-analyze", ["security", "--offline=true", "--no-pager", UNIT], {
    encoding: "utf8",
  });
  const m = /Overall exposure level for tsnap-capture\.service: (\d+(?:\.\d+)?)/.exec(r.stdout + r.stderr);
  assert.ok(m, `no exposure figure in: ${r.stdout}${r.stderr}`);
  assert.ok(Number(m[1]) <= 4.0, `exposure ${m[1]}`);
  assert.deepEqual(settings("UMask"), ["0077"]);
  assert.deepEqual(settings("StateDirectoryMode"), ["0700"]);
});

test("capture runs with only the unit's capability bounding set (bpf source, -a, --kstack)", {
  skip: process.getuid?.() !== 0 ? "needs root" : has("setpriv") ? false : "setpriv is not installed",
}, async (t) => {
  const caps = settings("CapabilityBoundingSet")[0].split(/\s+/);
  assert.ok(caps.includes("CAP_BPF") && !caps.includes("CAP_SYS_ADMIN"), caps.join(" "));
  const bounding = ["-all", ...caps.map((c) => `+${c.replace(/^CAP_/, "").toLowerCase()}`)].join(",");
  const dir = mkdtempSync(join(tmpdir(), "tsnap-caps-"));
  try {
    const r = spawnSync(
      "setpriv",
      [
        "--inh-caps=-all",
        `--bounding-set=${bounding}`,
        "--",
        process.execPath,
        TSNAP_BIN,
        ...["capture", "-o", join(dir, "cap"), "--source", "bpf", "-a", "--kstack", "--hz", "2", "-d", "3"],
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    if (r.status !== 0 && /not supported/.test(r.stderr)) {
      t.skip(`bpf source not supported here: ${r.stderr.trim()}`);
      return;
    }
    assert.equal(r.status, 0, r.stderr);
    // The capabilities really were limited: the child's bounding set as the kernel reports it.
    const probe = spawnSync(
      "setpriv",
      [`--bounding-set=${bounding}`, "--", "grep", "CapBnd", "/proc/self/status"],
      {
        encoding: "utf8",
      },
    );
    assert.notEqual(probe.stdout.trim(), "CapBnd:\t000001ffffffffff", probe.stdout);
    assert.ok(readdirSync(join(dir, "cap")).some((f) => f.startsWith("tsnap_kstacks_")));
    const q = await runTsnap([
      "query",
      join(dir, "cap"),
      "--sql",
      "SELECT count(*) AS n, count(k.kstack_syms) AS named FROM samples s LEFT JOIN kstacks k USING (kstack_hash) WHERE s.kstack_hash IS NOT NULL",
    ]);
    assert.equal(q.code, 0, q.stderr);
    const [n, named] = q.stdout.trim().split("\n").at(-1)!.split("|").map(Number);
    assert.ok(n > 0, q.stdout);
    assert.equal(named, n, "every kernel stack resolves to names (kallsyms readable)");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
