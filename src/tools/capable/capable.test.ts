// tsnap capable against a workload that makes capability checks in a known order
// (test/workloads/cap-checks.c: N chroot("/") as root, allowed; one seteuid(65534), a
// CAP_SETUID check; N chroot("/") with the effective set cleared, denied). libbpf-tools'
// capable on the same run where it loads (it needs a kprobe on cap_capable).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { openTracefs } from "../../platform/tracefs.js";
import { assertBadInput, libbpfTool, ours, parseNdjson, stopAll, theirs } from "../../testkit/bcc-tools.js";
import { compileWorkload, REPO_ROOT, signalAndWait, startWorkload } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/capable.bpf.o`);
const skip = !root
  ? "needs root"
  : !built
    ? "build/bpf/capable.bpf.o not built (scripts/setup.sh)"
    : !openTracefs().events("capability").includes("cap_capable")
      ? "this kernel has no capability:cap_capable tracepoint"
      : false;
const N = 25;

interface JsonCheck {
  uid: number;
  pid: number;
  tid: number;
  comm: string;
  cap: number;
  name: string;
  verdict: string;
  ret: number;
}

test("every capability check of the workload, in order, with its verdict; -u pid once each", {
  skip,
  timeout: 60_000,
}, async (t) => {
  const handles = liveCount();
  const w = await startWorkload(compileWorkload("cap-checks"), [String(N)]);
  try {
    const [, pid] = w.ready;
    const tracers = {
      json: ours(["capable", "-p", pid, "--json"]),
      text: ours(["capable", "-p", pid, "-x"], "INSETID\n"),
      unique: ours(["capable", "-p", pid, "-u", "pid", "--json"]),
    };
    await Promise.all(Object.values(tracers).map((x) => x.started));
    const ref = libbpfTool("capable") ? theirs("capable", ["-p", pid], "VERDICT") : undefined;
    const refRunning = ref ? await ref.started.then(() => true).catch(() => false) : false;
    assert.equal(await signalAndWait(w), `done ${N} ${N}\n`);
    await new Promise((r) => setTimeout(r, 300));
    const res = await stopAll(tracers);

    const expected = [
      ...Array(N).fill([18, "CAP_SYS_CHROOT", "allow", 0]),
      [7, "CAP_SETUID", "allow", 0],
      ...Array(N).fill([18, "CAP_SYS_CHROOT", "deny", -1]),
    ];
    const checks = parseNdjson<JsonCheck>(res.json.out);
    assert.deepEqual(
      checks.map((c) => [c.cap, c.name, c.verdict, c.ret]),
      expected,
    );
    assert.ok(checks.every((c) => c.pid === Number(pid) && c.tid === Number(pid) && c.uid === 0));
    assert.ok(checks.every((c) => c.comm.startsWith("cap-checks")));
    assert.deepEqual(
      parseNdjson<JsonCheck>(res.unique.out).map((c) => c.name),
      ["CAP_SYS_CHROOT", "CAP_SETUID"],
    );
    // -x: libbpf-tools' columns with TID and INSETID.
    assert.match(
      res.text.out,
      /^Tracing capability checks\.\.\. Hit Ctrl-C to end\.\nTIME {5}UID {3}PID {5}TID {5}COMM {13}CAP {5}NAME {17}AUDIT {3}VERDICT INSETID\n/,
    );
    const rows = res.text.out.split("\n").filter((l) => /^\d\d:\d\d:\d\d /.test(l));
    assert.deepEqual(
      rows.map((l) => l.trim().split(/ +/).slice(1)),
      expected.map(([cap, name, verdict]) => [
        "0",
        pid,
        pid,
        checks[0].comm,
        String(cap),
        name,
        "-",
        verdict,
        "-",
      ]),
    );
    if (ref && refRunning) {
      const theirRows = (await ref.stop()).out.split("\n").filter((l) => /^\d\d:\d\d:\d\d /.test(l));
      assert.deepEqual(
        theirRows.map((l) => l.split(/ +/).slice(4, 6)),
        expected.map(([cap, name]) => [String(cap), name]),
      );
    } else {
      await ref?.stop();
      t.diagnostic("libbpf-tools capable does not load here (kprobe on cap_capable): not compared");
    }
    assert.equal(liveCount(), handles, "every BPF object and link closed");
  } finally {
    await w.stop();
  }
});

test("bad input: one error line and exit 2; as a non-root user: one line and exit 1", async () => {
  await assertBadInput("capable", [
    [["-p", "x"], /^tsnap: -p must be a decimal number, got 'x'\n$/],
    [["-u", "thread"], /^tsnap: -u must be one of/],
    [["extra"], /^tsnap: unexpected argument 'extra'\n$/],
  ]);
});
