// tsnap tcptracer against connections whose ends are known (testkit/tcp-workload.ts: N
// connections from ports PORT+1000.. to PORT, accepted by the workload's server, each
// closed by both ends, and one refused connect, in a network namespace of its own, IPv4
// then IPv6) and the namespace's own ActiveOpens, AttemptFails and PassiveOpens counters.
// libbpf-tools' tcptracer does not load here (kprobes), so no run beside it.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, ours, parseNdjson, stopAll } from "../../testkit/bcc-tools.js";
import { runTcpConns } from "../../testkit/tcp-workload.js";
import { REPO_ROOT } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/tcptracer.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/tcptracer.bpf.o not built (scripts/setup.sh)" : false;
// Ports of its own: other tests' workloads (other namespaces, same loopback addresses)
// may run at the same time, and the records do not say which namespace they come from.
const PORT = 35000;
const N = 12;

interface JsonEvent {
  type: "C" | "A" | "X";
  pid: number;
  uid: number;
  comm: string;
  ip: number;
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
}

test("each connect, accept and close of the workload, IPv4 and IPv6, by the process that made it; filters", {
  skip,
  timeout: 120_000,
}, async () => {
  const handles = liveCount();
  const t = {
    json: ours(["tcptracer", "--json"]),
    text: ours(["tcptracer", "-t", "-U"], "DPORT\n"),
    root: ours(["tcptracer", "--json", "-u", "0"]),
    nobody: ours(["tcptracer", "--json", "-u", "65534"]),
    otherPid: ours(["tcptracer", "--json", "-p", String(process.pid)]),
  };
  await Promise.all(Object.values(t).map((x) => x.started));
  const v4 = await runTcpConns(4, N, 1000, 100, undefined, PORT);
  const v6 = await runTcpConns(6, N, 1000, 100, undefined, PORT);
  await new Promise((r) => setTimeout(r, 300));
  const res = await stopAll(t);
  const parse = (out: string) => parseNdjson<JsonEvent>(out);
  const all = parse(res.json.out);
  for (const run of [v4, v6]) {
    const ours = (e: JsonEvent) => e.ip === run.ip && (e.pid === run.server || e.pid === run.client);
    const of = (type: string, pid: number) => all.filter((e) => ours(e) && e.type === type && e.pid === pid);
    const clientPorts = run.conns.map((c) => c.sport);
    // Connects that established: ActiveOpens less the refused one (AttemptFails).
    assert.equal(run.snmp.ActiveOpens - run.snmp.AttemptFails, N, `IPv${run.ip} established connects`);
    const c = of("C", run.client);
    assert.equal(c.length, N, `IPv${run.ip}: one C per established connect`);
    assert.deepEqual(
      c.map((e) => e.sport),
      clientPorts,
      "the clients' ports, in order",
    );
    assert.ok(
      c.every((e) => e.dport === PORT && e.saddr === run.addr && e.daddr === run.addr && e.comm === run.comm),
    );
    const a = of("A", run.server);
    assert.equal(a.length, run.snmp.PassiveOpens, `IPv${run.ip}: one A per passive open`);
    assert.deepEqual(
      a.map((e) => e.dport),
      clientPorts,
    );
    assert.ok(a.every((e) => e.sport === PORT));
    // Each end closes its socket once: the client's N, the server's N.
    assert.deepEqual(
      of("X", run.client).map((e) => e.sport),
      clientPorts,
    );
    assert.deepEqual(
      of("X", run.server).map((e) => e.dport),
      clientPorts,
    );
    assert.equal(
      all.filter((e) => ours(e) && e.dport === PORT + 1).length,
      0,
      "no line for the refused connect",
    );
    assert.equal(all.filter(ours).length, 4 * N, "C, A and two X per connection, nothing else");
    // -u 0 (the workload runs as root): the same; -u 65534 and -p (another process): none.
    assert.equal(parse(res.root.out).filter(ours).length, 4 * N);
    assert.equal(parse(res.nobody.out).filter(ours).length, 0);
    assert.equal(parse(res.otherPid.out).filter(ours).length, 0);
    // Text, libbpf-tools' layout with -t -U.
    const a4 = run.addr.replace(/\./g, "\\.");
    const lines = res.text.out
      .split("\n")
      .filter((l) => new RegExp(`^\\d+\\.\\d{3} +0 +C ${run.client} `).test(l));
    assert.equal(lines.length, N);
    assert.match(
      lines[3],
      new RegExp(
        `^\\d+\\.\\d{3} +0 +C ${run.client} +${run.comm.slice(0, 12)} ${run.ip} +${a4} +${a4} +${clientPorts[3]} ${PORT}$`,
      ),
    );
  }
  assert.match(res.text.out, /^TIME\(s\) {2}UID {3}T PID {4}COMM {9}IP SADDR {12}DADDR {12}SPORT DPORT\n/);
  assert.equal(liveCount(), handles, "every BPF object and link closed");
});

test("bad input: one error line and exit 2; as a non-root user: one line and exit 1", async () => {
  await assertBadInput("tcptracer", [
    [["-u", "x"], /^tsnap: -u must be a decimal number, got 'x'\n$/],
    [["-p", "0"], /^tsnap: -p must be/],
    [["--bogus"], /^tsnap: unknown option '--bogus'/],
  ]);
});
