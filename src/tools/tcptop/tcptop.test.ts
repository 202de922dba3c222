// tsnap tcptop against connections whose bytes are known (testkit/tcp-workload.ts: N
// connections in a network namespace of their own, each sending SEND bytes and answered
// with REPLY, IPv4 then IPv6; each end counts what it wrote and read): summed over the
// reports, every (process, connection) shows exactly those bytes each way.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, ours, parseNdjson, stopAll } from "../../testkit/bcc-tools.js";
import { runTcpConns } from "../../testkit/tcp-workload.js";
import { REPO_ROOT } from "../../testkit/workloads.js";
import type { JsonTraffic } from "./tcptop-report.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/tcptop.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/tcptop.bpf.o not built (scripts/setup.sh)" : false;
// Ports of its own: other tests' workloads (other namespaces, same loopback addresses)
// may run at the same time, and the counters do not say which namespace they come from.
const SERVER_PORT = 31000;
const CLIENT_PORT = SERVER_PORT + 1000;
const N = 4;
const SEND = 100_000;
const REPLY = 5_000;

const parse = (out: string) => parseNdjson<JsonTraffic>(out);

/** Bytes per process and connection, summed over the reports: "pid lport rport" → [rx, tx]. */
function sums(rows: readonly JsonTraffic[]): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const r of rows) {
    const k = `${r.pid} ${r.lport} ${r.rport}`;
    const [rx, tx] = out.get(k) ?? [0, 0];
    out.set(k, [rx + r.rx_bytes, tx + r.tx_bytes]);
  }
  return out;
}

test("every connection's bytes each way, per process, as both ends counted them; IPv4 and IPv6; filters", {
  skip,
  timeout: 120_000,
}, async () => {
  const handles = liveCount();
  const t = {
    json: ours(["tcptop", "--json", "-r", "10240"], "Ctrl-C to end."),
    text: ours(["tcptop", "-C", "-S", "-r", "10240", "60"], "Ctrl-C to end."),
    v6: ours(["tcptop", "--json", "-6", "-r", "10240"], "Ctrl-C to end."),
    otherPid: ours(["tcptop", "--json", "-p", String(process.pid)], "Ctrl-C to end."),
  };
  await Promise.all(Object.values(t).map((x) => x.started));
  const v4 = await runTcpConns(4, N, SEND, REPLY, undefined, SERVER_PORT);
  const v6 = await runTcpConns(6, N, SEND, REPLY, undefined, SERVER_PORT);
  await new Promise((r) => setTimeout(r, 300));
  const res = await stopAll(t);
  const all = parse(res.json.out);
  const bytes = sums(all);
  const v6Bytes = sums(parse(res.v6.out));
  for (const run of [v4, v6]) {
    assert.ok(
      run.conns.every((c) => c.sent === SEND && c.received === REPLY),
      "the workload moved what it was told",
    );
    const expected = new Map<string, [number, number]>();
    run.conns.forEach((c, i) => {
      expected.set(`${run.client} ${c.sport} ${SERVER_PORT}`, [c.received, c.sent]);
      expected.set(`${run.server} ${SERVER_PORT} ${c.sport}`, [run.served[i], REPLY]);
    });
    const mine = new Map(
      [...bytes].filter(([k]) => [run.client, run.server].includes(Number(k.split(" ")[0]))),
    );
    assert.deepEqual(mine, expected, `IPv${run.ip}: bytes per process and connection`);
    const rows = all.filter((r) => r.pid === run.client || r.pid === run.server);
    assert.ok(
      rows.every(
        (r) => r.ip === run.ip && r.laddr === run.addr && r.raddr === run.addr && r.comm === run.comm,
      ),
      JSON.stringify(rows[0]),
    );
    // -6: the IPv6 run's rows only.
    const v6Mine = [...v6Bytes.keys()].filter((k) =>
      [run.client, run.server].includes(Number(k.split(" ")[0])),
    );
    assert.equal(v6Mine.length, run.ip === 6 ? 2 * N : 0);
    assert.equal(
      parse(res.otherPid.out).filter((r) => r.pid === run.client || r.pid === run.server).length,
      0,
    );
  }
  // Text, one report at Ctrl-C (interval 60): libbpf-tools' layout, KB rounded down.
  const text = res.text.out;
  assert.match(text, /^PID {4}COMM {9}LADDR {17}RADDR {18}RX_KB {2}TX_KB\n/);
  assert.match(text, /\nPID {4}COMM {9}LADDR6 {46}RADDR6 {47}RX_KB {2}TX_KB\n/);
  assert.match(
    text,
    new RegExp(
      `\\n${v4.client} +${v4.comm.slice(0, 12)} 127\\.0\\.0\\.1:${CLIENT_PORT} +127\\.0\\.0\\.1:${SERVER_PORT} +${Math.floor(REPLY / 1024)} +${Math.floor(SEND / 1024)}\\n`,
    ),
  );
  assert.match(
    text,
    new RegExp(`\\n${v6.server} +${v6.comm.slice(0, 12)} ::1:${SERVER_PORT} {43}::1:${CLIENT_PORT} {43}`),
  );
  assert.equal(liveCount(), handles, "every BPF object and link closed");
});

test("bad input: one error line and exit 2; as a non-root user: one line and exit 1", async () => {
  await assertBadInput("tcptop", [
    [["0"], /^tsnap: interval must be a whole number of at least 1, got '0'\n$/],
    [["1", "x"], /^tsnap: count must be a whole number of at least 1, got 'x'\n$/],
    [["1", "2", "3"], /^tsnap: unexpected argument '3'\n$/],
    [["-s", "size"], /^tsnap: -s must be one of/],
    [["-r", "0"], /^tsnap: -r must be at least 1, got 0\n$/],
    [["-4", "-6"], /^tsnap: -4 and -6 exclude each other\n$/],
  ]);
});
