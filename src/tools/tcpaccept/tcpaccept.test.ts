// tsnap tcpaccept against a server whose accepts are known (testkit/tcp-workload.ts: N
// connections from ports 6000.. accepted on port 5000, in a network namespace of its own,
// IPv4 then IPv6) and the namespace's own PassiveOpens counter. Several tracers run at
// once on the same two runs.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, ours, parseNdjson, stopAll } from "../../testkit/bcc-tools.js";
import { runTcpConns } from "../../testkit/tcp-workload.js";
import { REPO_ROOT } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/tcpaccept.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/tcpaccept.bpf.o not built (scripts/setup.sh)" : false;
// Ports of its own: other tests' workloads (other namespaces, same loopback addresses)
// may run at the same time, and the records do not say which namespace they come from.
const SERVER_PORT = 21000;
const CLOSED_PORT = SERVER_PORT + 1;
const CLIENT_PORT = SERVER_PORT + 1000;
const N = 20;

interface JsonAccept {
  pid: number;
  tid: number;
  comm: string;
  ip: number;
  raddr: string;
  rport: number;
  laddr: string;
  lport: number;
  fd: number;
}

test("every accept of the workload's server, IPv4 and IPv6, with its ports and process; filters", {
  skip,
  timeout: 120_000,
}, async () => {
  const handles = liveCount();
  const t = {
    json: ours(["tcpaccept", "--json"]),
    text: ours(["tcpaccept", "-T", "-t"], "LPORT\n"),
    v6: ours(["tcpaccept", "--json", "-6", "-P", String(SERVER_PORT)]),
    closedPort: ours(["tcpaccept", "--json", "-P", String(CLOSED_PORT)]),
    otherPid: ours(["tcpaccept", "--json", "-p", String(process.pid)]),
  };
  await Promise.all(Object.values(t).map((x) => x.started));
  const v4 = await runTcpConns(4, N, 10, 10, undefined, SERVER_PORT);
  const v6 = await runTcpConns(6, N, 10, 10, undefined, SERVER_PORT);
  await new Promise((r) => setTimeout(r, 300));
  const res = await stopAll(t);
  const parse = (out: string) => parseNdjson<JsonAccept>(out);
  const all = parse(res.json.out);
  for (const run of [v4, v6]) {
    assert.equal(run.snmp.PassiveOpens, N, `IPv${run.ip} PassiveOpens`);
    const mine = all.filter((e) => e.pid === run.server);
    assert.equal(mine.length, run.snmp.PassiveOpens, `IPv${run.ip}: one record per passive open`);
    assert.deepEqual(
      mine.map((e) => e.rport),
      run.conns.map((c) => c.sport),
      "the clients' ports, in order",
    );
    assert.ok(
      mine.every(
        (e) =>
          e.lport === SERVER_PORT &&
          e.ip === run.ip &&
          e.laddr === run.addr &&
          e.raddr === run.addr &&
          e.comm === run.comm &&
          e.tid === run.server &&
          e.fd > 2,
      ),
      JSON.stringify(mine[0]),
    );
    assert.equal(mine.filter((e) => e.pid === run.client).length, 0);
    // Text, bcc's layout with -T -t.
    const lines = res.text.out
      .split("\n")
      .filter((l) => new RegExp(`^\\d\\d:\\d\\d:\\d\\d \\d+\\.\\d{3} +${run.server} `).test(l));
    assert.equal(lines.length, N);
    const a = run.addr.replace(/\./g, "\\.");
    assert.match(
      lines[5],
      new RegExp(
        `^\\d\\d:\\d\\d:\\d\\d \\d+\\.\\d{3} +${run.server} +${run.comm.slice(0, 12)} ${run.ip}  ${a} +${CLIENT_PORT + 5} +${a} +${SERVER_PORT} *$`,
      ),
    );
    // -6 -P 5000: the IPv6 ones; -P 5001 and -p (another process): none.
    assert.equal(parse(res.v6.out).filter((e) => e.pid === run.server).length, run.ip === 6 ? N : 0);
    assert.equal(parse(res.closedPort.out).filter((e) => e.pid === run.server).length, 0);
    assert.equal(parse(res.otherPid.out).filter((e) => e.pid === run.server).length, 0);
  }
  assert.match(res.text.out, /^TIME {5}TIME\(s\) {2}PID {5}COMM {9}IP RADDR {12}RPORT LADDR {12}LPORT\n/);
  assert.equal(liveCount(), handles, "every BPF object and link closed");
});

test("bad input: one error line and exit 2; as a non-root user: one line and exit 1", async () => {
  await assertBadInput("tcpaccept", [
    [["-4", "-6"], /^tsnap: -4 and -6 exclude each other\n$/],
    [["-P", "65536"], /^tsnap: -P must be ports from 1 to 65535 separated by commas, got '65536'\n$/],
    [["-p", "x"], /^tsnap: -p must be a decimal number, got 'x'\n$/],
    [["--bogus"], /^tsnap: unknown option '--bogus'/],
  ]);
});
