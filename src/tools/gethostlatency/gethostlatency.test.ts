// tsnap gethostlatency against a workload that makes known lookups through libc
// (test/workloads/host-lookups.c: N times getaddrinfo, gethostbyname, gethostbyname2 of
// "localhost", each timed around the call by the workload), with libbpf-tools'
// gethostlatency on the same run.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, libbpfTool, ours, parseNdjson, stopAll, theirs } from "../../testkit/bcc-tools.js";
import { runCli } from "../../testkit/cli.js";
import { compileWorkload, REPO_ROOT, signalAndWait, startWorkload } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/gethostlatency.bpf.o`);
const skip = !root
  ? "needs root"
  : !built
    ? "build/bpf/gethostlatency.bpf.o not built (scripts/setup.sh)"
    : false;
const N = 20;

interface JsonLookup {
  pid: number;
  tid: number;
  comm: string;
  func: string;
  lat_ms: number;
  host: string;
}

test("every lookup of the workload, in order, its latency within the workload's own; as libbpf-tools lists them", {
  skip,
  timeout: 60_000,
}, async (t) => {
  const handles = liveCount();
  const w = await startWorkload(compileWorkload("host-lookups"), [String(N)]);
  try {
    const [, pid] = w.ready;
    const tracers = {
      json: ours(["gethostlatency", "-p", pid, "--json"]),
      text: ours(["gethostlatency", "-p", pid]),
    };
    await Promise.all(Object.values(tracers).map((x) => x.started));
    const ref = libbpfTool("gethostlatency") ? theirs("gethostlatency", ["-p", pid], "HOST") : undefined;
    const refRunning = ref ? await ref.started.then(() => true).catch(() => false) : false;
    const out = await signalAndWait(w);
    await new Promise((r) => setTimeout(r, 300));
    const res = await stopAll(tracers);

    const truth = out
      .split("\n")
      .filter((l) => l.startsWith("call "))
      .map((l) => l.split(" "))
      .map(([, func, host, ns]) => ({ func, host, ms: Number(ns) / 1e6 }));
    assert.equal(truth.length, 3 * N);
    const lookups = parseNdjson<JsonLookup>(res.json.out);
    assert.deepEqual(
      lookups.map((l) => [l.func, l.host]),
      truth.map((c) => [c.func, c.host]),
    );
    for (const [i, l] of lookups.entries()) {
      assert.ok(
        l.lat_ms > 0 && l.lat_ms <= truth[i].ms,
        `${l.func}: ${l.lat_ms} ms, the workload saw ${truth[i].ms}`,
      );
      assert.equal(l.pid, Number(pid));
      assert.ok(l.comm.startsWith("host-lookups"), l.comm);
    }
    assert.match(res.text.out, /^TIME {5}PID {5}COMM {13}LATms {6}HOST\n/);
    const rows = res.text.out.split("\n").filter((l) => /^\d\d:\d\d:\d\d /.test(l));
    assert.equal(rows.length, 3 * N);
    for (const [i, r] of rows.entries()) {
      const m = /^\d\d:\d\d:\d\d (\d+) +\S+ +(\d+\.\d{3}) +(\S+)$/.exec(r);
      assert.ok(m, r);
      assert.equal(m[1], pid);
      assert.ok(Number(m[2]) <= truth[i].ms + 0.0005, r);
      assert.equal(m[3], "localhost");
    }
    if (ref && refRunning) {
      const theirRows = (await ref.stop()).out.split("\n").filter((l) => /^\d\d:\d\d:\d\d /.test(l));
      assert.deepEqual(
        theirRows.map((l) => [l.split(/ +/)[1], l.split(/ +/)[4]]),
        truth.map((c) => [pid, c.host]),
        "libbpf-tools gethostlatency lists the same lookups",
      );
    } else {
      await ref?.stop();
      t.diagnostic("libbpf-tools gethostlatency not installed or did not load: not compared");
    }
    assert.equal(liveCount(), handles, "every BPF object and link closed");
  } finally {
    await w.stop();
  }
});

test("bad input: one error line and exit 2 (1 for a library without the functions); as a non-root user: one line and exit 1", async () => {
  await assertBadInput("gethostlatency", [
    [["-p", "x"], /^tsnap: -p must be a decimal number, got 'x'\n$/],
    [["extra"], /^tsnap: unexpected argument 'extra'\n$/],
  ]);
  if (!root) return;
  const lib = await runCli(["gethostlatency", "-l", "/bin/true", "-d", "1"]);
  assert.equal(lib.code, 1);
  assert.match(lib.stderr, /^tsnap: no function matches 'getaddrinfo' in \/\S+true\n$/);
});
