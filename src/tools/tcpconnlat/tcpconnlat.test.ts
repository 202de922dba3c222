// tsnap tcpconnlat against connects whose latency is constructed: the workload
// (testkit/tcp-workload.ts, in a network namespace of its own) connects N times from known
// ports; an nftables rule there drops the first SYN of two of them, which the kernel resends
// after its initial RTO (1 s): those two take over a second, the others well under. The
// namespace's own TCPSynRetrans says how many SYNs were resent, and the client times each
// connect() itself: the handshake tcpconnlat times lies within it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, ours, stopAll } from "../../testkit/bcc-tools.js";
import { runTcpConns } from "../../testkit/tcp-workload.js";
import { REPO_ROOT } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/tcpconnlat.bpf.o`);
const nft = spawnSync("nft", ["--version"]).status === 0;
const skip = !root
  ? "needs root"
  : !built
    ? "build/bpf/tcpconnlat.bpf.o not built (scripts/setup.sh)"
    : !nft
      ? "nft (Debian's nftables) not installed: no way to drop a SYN (setup.sh --tests)"
      : false;
// Ports of its own: other tests' workloads (other namespaces, same loopback addresses)
// may run at the same time, and the records do not say which namespace they come from.
const SERVER_PORT = 27000;
const CLIENT_PORT = SERVER_PORT + 1000;
const N = 5;
/** Connections whose first SYN is dropped. */
const SLOW = [CLIENT_PORT + 1, CLIENT_PORT + 3];
// One counter for both ports: their first SYN is number 0 and 2 (dropped), the resent
// ones 1 and 3 (passed); connects are one after the other.
const DROP_FIRST_SYN = `nft add table inet lat && nft add chain inet lat out '{ type filter hook output priority 0; }' && nft add rule inet lat out tcp sport '{ ${SLOW.join(", ")} }' tcp flags '&' syn == syn numgen inc mod 2 0 drop`;

interface JsonConnect {
  pid: number;
  comm: string;
  ip: number;
  saddr: string;
  lport: number;
  daddr: string;
  dport: number;
  lat_ms: number;
}

const parse = (out: string) =>
  out
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as JsonConnect);

test("each connect's latency within the connect() the client timed; lost SYNs take the 1 s RTO; filters", {
  skip,
  timeout: 120_000,
}, async () => {
  const handles = liveCount();
  const t = {
    json: ours(["tcpconnlat", "--json"]),
    text: ours(["tcpconnlat", "-L", "-t"], "LAT(ms)\n"),
    slow: ours(["tcpconnlat", "--json", "500"]),
    v6: ours(["tcpconnlat", "--json", "-6"]),
    otherPid: ours(["tcpconnlat", "--json", "-p", String(process.pid)]),
  };
  await Promise.all(Object.values(t).map((x) => x.started));
  const v4 = await runTcpConns(4, N, 1000, 100, DROP_FIRST_SYN, SERVER_PORT);
  const v6 = await runTcpConns(6, N, 1000, 100, undefined, SERVER_PORT);
  await new Promise((r) => setTimeout(r, 300)); // the last records reach every ring
  const res = await stopAll(t);
  const all = parse(res.json.out);
  // The ground truth: two SYNs resent, in the v4 namespace only.
  assert.equal(v4.netstat.TCPSynRetrans, SLOW.length, "v4 TCPSynRetrans");
  assert.equal(v6.netstat.TCPSynRetrans, 0, "v6 TCPSynRetrans");
  for (const run of [v4, v6]) {
    const mine = all.filter((e) => e.pid === run.client);
    // One record per active open but the refused one (no handshake: not shown).
    assert.equal(mine.length, run.snmp.ActiveOpens - 1, `IPv${run.ip}: ActiveOpens ${run.snmp.ActiveOpens}`);
    assert.deepEqual(
      mine.map((e) => e.lport),
      run.conns.map((c) => c.sport),
      "the client's ports, in order",
    );
    mine.forEach((e, i) => {
      const connectMs = run.conns[i].connectNs / 1e6;
      const slow = run.ip === 4 && SLOW.includes(e.lport);
      assert.ok(
        e.lat_ms <= connectMs + 0.001,
        `${e.lport}: ${e.lat_ms} ms within connect()'s ${connectMs} ms`,
      );
      assert.ok(e.lat_ms > 0, `${e.lport}: ${e.lat_ms} ms`);
      // The initial RTO is 1 s (TCP_TIMEOUT_INIT): a resent SYN makes the connect that long.
      if (slow) assert.ok(e.lat_ms >= 1000 && e.lat_ms < 3000, `${e.lport} (SYN lost): ${e.lat_ms} ms`);
      else assert.ok(e.lat_ms < 500, `${e.lport}: ${e.lat_ms} ms`);
      assert.equal(e.ip, run.ip);
      assert.equal(e.saddr, run.addr);
      assert.equal(e.daddr, run.addr);
      assert.equal(e.dport, SERVER_PORT);
      assert.equal(e.comm, run.comm);
    });
    // min_ms 500: the two lost SYNs' connects, nothing else of the workload's.
    assert.deepEqual(
      parse(res.slow.out)
        .filter((e) => e.pid === run.client)
        .map((e) => e.lport),
      run.ip === 4 ? SLOW : [],
    );
    assert.equal(parse(res.v6.out).filter((e) => e.pid === run.client).length, run.ip === 6 ? N : 0);
    assert.equal(parse(res.otherPid.out).filter((e) => e.pid === run.client).length, 0);
    // Text: libbpf-tools' layout with -L -t.
    const lines = res.text.out
      .split("\n")
      .filter((l) => new RegExp(`^\\d+\\.\\d{3} +${run.client} `).test(l));
    assert.equal(lines.length, N);
    const esc = run.addr.replace(/\./g, "\\.");
    assert.match(
      lines[2],
      new RegExp(
        `^\\d+\\.\\d{3} {5}${run.client} +${run.comm.slice(0, 12)} ${run.ip}  ${esc} +${CLIENT_PORT + 2} +${esc} +${SERVER_PORT} \\d+\\.\\d\\d$`,
      ),
    );
  }
  assert.match(
    res.text.out,
    /^TIME\(s\) {3}PID {4}COMM {9}IP SADDR {12}LPORT {2}DADDR {12}DPORT LAT\(ms\)\n/,
  );
  assert.equal(liveCount(), handles, "every BPF object and link closed");
});

test("bad input: one error line and exit 2; as a non-root user: one line and exit 1", async () => {
  await assertBadInput("tcpconnlat", [
    [["0"], /^tsnap: min_ms must be a number of ms more than 0, got '0'\n$/],
    [["x"], /^tsnap: min_ms must be a number of ms more than 0, got 'x'\n$/],
    [["1", "2"], /^tsnap: unexpected argument '2'\n$/],
    [["-4", "-6"], /^tsnap: -4 and -6 exclude each other\n$/],
    [["-p", "0"], /^tsnap: -p must be at least 1, got 0\n$/],
  ]);
});
