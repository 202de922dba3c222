// tsnap solisten against listen() calls whose arguments are known: the tcp-conns workload
// listens on 127.0.0.1:PORT with a backlog of 128, tcp-rtt on [::1]:PORT with 16, each in
// a network namespace of its own (testkit/tcp-workload.ts); both call it once, in their
// first process.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertNeedsRoot, ours, parseNdjson, stopAll } from "../../testkit/bcc-tools.js";
import { runCli, TSNAP_BIN } from "../../testkit/cli.js";
import { runTcpConns, runTcpRtt } from "../../testkit/tcp-workload.js";
import { REPO_ROOT } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/solisten.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/solisten.bpf.o not built (scripts/setup.sh)" : false;
const PORT = 33000;

interface JsonListen {
  time: string;
  pid: number;
  comm: string;
  ret: number;
  backlog: number;
  proto: string;
  port: number;
  addr: string;
}

test("each listen() of the workloads with its backlog, protocol, port and address; -p; -t", {
  skip,
  timeout: 120_000,
}, async () => {
  const handles = liveCount();
  const t = {
    json: ours(["solisten", "--json"]),
    text: ours(["solisten", "-t"], "ADDR"),
    otherPid: ours(["solisten", "--json", "-p", String(process.pid)]),
  };
  await Promise.all(Object.values(t).map((x) => x.started));
  const v4 = await runTcpConns(4, 1, 10, 10, undefined, PORT);
  const v6 = await runTcpRtt(6, PORT, 1);
  await new Promise((r) => setTimeout(r, 300));
  const res = await stopAll(t);
  const all = parseNdjson<JsonListen>(res.json.out);
  const of = (pid: number) => all.filter((e) => e.pid === pid).map(({ pid: _p, time: _t, ...rest }) => rest);
  assert.deepEqual(of(v4.client), [
    { comm: v4.comm, ret: 0, backlog: 128, proto: "TCPv4", port: PORT, addr: "127.0.0.1" },
  ]);
  assert.deepEqual(of(v6.client), [
    { comm: v6.comm, ret: 0, backlog: 16, proto: "TCPv6", port: PORT, addr: "::1" },
  ]);
  // The workloads' other processes never call listen().
  assert.deepEqual(of(v4.server), []);
  assert.deepEqual(of(v6.server), []);
  assert.equal(
    parseNdjson<JsonListen>(res.otherPid.out).filter((e) => e.pid === v4.client || e.pid === v6.client)
      .length,
    0,
  );
  assert.match(res.text.out, /^TIME\(s\) {2}PID {5}COMM {13}RET BACKLOG PROTO PORT {2}ADDR {28}\n/);
  assert.match(
    res.text.out,
    new RegExp(`\\n\\d\\d:\\d\\d:\\d\\d ${v6.client} +${v6.comm} +0 {3}16 {6}TCPv6 ${PORT} ::1 {29}\\n`),
  );
  assert.equal(liveCount(), handles, "every BPF object and link closed");
});

test("bad input: one error line and exit 2; as a non-root user: one line and exit 1", async () => {
  const r = await runCli(["solisten", "-p", "x"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^tsnap: -p must be a decimal number, got 'x'\n$/);
  const extra = await runCli(["solisten", "5"]);
  assert.equal(extra.code, 2);
  assert.match(extra.stderr, /^tsnap: unexpected argument '5'\n$/);
  if (root) assertNeedsRoot("solisten", TSNAP_BIN);
});
