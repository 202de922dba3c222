// tsnap tcpconnect against a workload whose connects are known (testkit/tcp-workload.ts:
// N connects from ports 6000.. to port 5000 and one refused connect to 5001, in a network
// namespace of its own, IPv4 then IPv6) and the namespace's own ActiveOpens counter.
// Several tracers run at once on the same two runs.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, ours, parseNdjson, stopAll } from "../../testkit/bcc-tools.js";
import {
  CLIENT_PORT,
  CLOSED_PORT,
  ECONNREFUSED,
  runTcpConns,
  SERVER_PORT,
} from "../../testkit/tcp-workload.js";
import { REPO_ROOT } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/tcpconnect.bpf.o`);
const skip = !root
  ? "needs root"
  : !built
    ? "build/bpf/tcpconnect.bpf.o not built (scripts/setup.sh)"
    : false;
const N = 20;

interface JsonConnect {
  pid: number;
  tid: number;
  uid: number;
  comm: string;
  ip: number;
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
  ret: number;
}

test("every connect of the workload, IPv4 and IPv6, with its ports, process and result; counts; filters", {
  skip,
  timeout: 120_000,
}, async () => {
  const handles = liveCount();
  const t = {
    json: ours(["tcpconnect", "--json"]),
    text: ours(["tcpconnect", "-t", "-U", "-s"], "DPORT\n"),
    count: ours(["tcpconnect", "-c", "-P", `${SERVER_PORT},${CLOSED_PORT}`]),
    countJson: ours(["tcpconnect", "-c", "-s", "--json", "-P", `${SERVER_PORT},${CLOSED_PORT}`]),
    closedOnly: ours(["tcpconnect", "--json", "-P", String(CLOSED_PORT)]),
    otherPid: ours(["tcpconnect", "--json", "-p", String(process.pid)]),
    nobody: ours(["tcpconnect", "--json", "-u", "65534"]),
  };
  await Promise.all(Object.values(t).map((x) => x.started));
  const v4 = await runTcpConns(4, N, 1000, 100);
  const v6 = await runTcpConns(6, N, 1000, 100);
  await new Promise((r) => setTimeout(r, 300)); // the last records reach every ring
  const res = await stopAll(t);
  const parse = (out: string) => parseNdjson<JsonConnect>(out);
  const all = parse(res.json.out);
  for (const run of [v4, v6]) {
    // The namespace's own count of active opens: the N connects and the refused one.
    assert.equal(run.snmp.ActiveOpens, N + 1, `IPv${run.ip} ActiveOpens`);
    assert.equal(run.refused, ECONNREFUSED);
    const mine = all.filter((e) => e.pid === run.client);
    assert.equal(mine.length, run.snmp.ActiveOpens, `IPv${run.ip}: one record per active open`);
    const good = mine.filter((e) => e.dport === SERVER_PORT);
    assert.deepEqual(
      good.map((e) => e.sport),
      run.conns.map((c) => c.sport),
      "the client's ports, in order",
    );
    assert.deepEqual(
      run.conns.map((c) => c.sport),
      Array.from({ length: N }, (_, i) => CLIENT_PORT + i),
    );
    assert.ok(
      good.every(
        (e) =>
          e.ret === 0 &&
          e.ip === run.ip &&
          e.saddr === run.addr &&
          e.daddr === run.addr &&
          e.comm === run.comm &&
          e.tid === run.client &&
          e.uid === 0,
      ),
      JSON.stringify(good[0]),
    );
    const refused = mine.filter((e) => e.dport === CLOSED_PORT);
    assert.equal(refused.length, 1);
    assert.equal(refused[0].ret, -ECONNREFUSED);
    assert.ok(refused[0].sport >= 1024, `the refused connect's ephemeral port: ${refused[0].sport}`);

    // Text: the same connects, libbpf-tools' layout with -t -U -s.
    const lines = res.text.out
      .split("\n")
      .filter((l) => new RegExp(`^\\d+\\.\\d{3} +0 +${run.client} `).test(l));
    assert.equal(lines.length, N + 1);
    assert.match(
      lines[3],
      new RegExp(
        `^\\d+\\.\\d{3} +0 {5}${run.client} +${run.comm.slice(0, 12)} ${run.ip}  ${run.addr.replace(/\./g, "\\.")} +${run.addr.replace(/\./g, "\\.")} +${CLIENT_PORT + 3} +${SERVER_PORT} $`,
      ),
    );
    // -P 5001: only the refused connect; -p (another process), -u 65534: none.
    assert.equal(parse(res.closedOnly.out).filter((e) => e.pid === run.client).length, 1);
    assert.equal(parse(res.otherPid.out).filter((e) => e.pid === run.client).length, 0);
    assert.equal(parse(res.nobody.out).filter((e) => e.pid === run.client).length, 0);
  }
  assert.match(res.text.out, /^TIME\(s\) {2}UID {3}PID {4}COMM {9}IP SADDR {12}DADDR {12}SPORT DPORT\n/);
  // -c: per (addresses, port), libbpf-tools' table; -c -s --json: per source port too.
  const rows = res.count.out.split("\n").filter((l) => /^(127\.0\.0\.1|::1) /.test(l));
  assert.deepEqual(
    rows.map((l) => l.trim().split(/ +/)),
    [
      ["127.0.0.1", "127.0.0.1", String(SERVER_PORT), String(N)],
      ["127.0.0.1", "127.0.0.1", String(CLOSED_PORT), "1"],
      ["::1", "::1", String(SERVER_PORT), String(N)],
      ["::1", "::1", String(CLOSED_PORT), "1"],
    ],
  );
  assert.match(res.count.out, /^\nLADDR {21}RADDR {21}RPORT {16}CONNECTS {2}\n/);
  const perPort = parse(res.countJson.out) as unknown as (JsonConnect & { connects: number })[];
  for (const ip of [4, 6]) {
    const good = perPort.filter((r) => r.ip === ip && r.dport === SERVER_PORT);
    assert.deepEqual(
      good.map((r) => r.sport).sort((a, b) => a - b),
      Array.from({ length: N }, (_, i) => CLIENT_PORT + i),
    );
    assert.ok(good.every((r) => r.connects === 1));
  }
  assert.equal(liveCount(), handles, "every BPF object and link closed");
});

test("bad input: one error line and exit 2; as a non-root user: one line and exit 1", async () => {
  await assertBadInput("tcpconnect", [
    [["-P", "0"], /^tsnap: -P must be ports from 1 to 65535 separated by commas, got '0'\n$/],
    [["-P", "80,x"], /^tsnap: -P must be ports from 1 to 65535/],
    [["-P", "1,2,3,4,5,6,7,8,9"], /^tsnap: -P takes at most 8 ports\n$/],
    [["-u", "x"], /^tsnap: -u must be a decimal number, got 'x'\n$/],
    [["-p", "0"], /^tsnap: -p must be at least 1, got 0\n$/],
    [["extra"], /^tsnap: unexpected argument 'extra'\n$/],
  ]);
});
