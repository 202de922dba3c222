// tsnap tcplife against sessions whose bytes are known (testkit/tcp-workload.ts: N
// connections in a network namespace of their own, each sending SEND bytes and answered
// with REPLY, IPv4 then IPv6; the bytes each end counted), and side by side with
// libbpf-tools' tcplife (which runs on this kernel: it needs only the tracepoint) on the
// same runs: the same lines but the MS column (each tool times from its own hook's clock).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, libbpfTool, ours, parseNdjson, stopAll, theirs } from "../../testkit/bcc-tools.js";
import { runTcpConns } from "../../testkit/tcp-workload.js";
import { REPO_ROOT } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/tcplife.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/tcplife.bpf.o not built (scripts/setup.sh)" : false;
const skipRef =
  skip || (libbpfTool("tcplife") ? false : "libbpf-tools tcplife not installed (setup.sh --tests)");
// Ports of its own: other tests' workloads (other namespaces, same loopback addresses)
// may run at the same time, and the records do not say which namespace they come from.
const SERVER_PORT = 23000;
const CLOSED_PORT = SERVER_PORT + 1;
const CLIENT_PORT = SERVER_PORT + 1000;
const N = 10;
const SEND = 100_000;
const REPLY = 5_000;

interface JsonSession {
  pid: number;
  comm: string;
  ip: number;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  tx_bytes: number;
  rx_bytes: number;
  ms: number;
}

test("every session of the workload with its bytes each way, IPv4 and IPv6; libbpf-tools' lines; filters", {
  skip: skipRef,
  timeout: 120_000,
}, async () => {
  const handles = liveCount();
  const t = {
    json: ours(["tcplife", "--json"]),
    text: ours(["tcplife"], "MS\n"),
    wide: ours(["tcplife", "-w", "-T", "-t"], "MS\n"),
    ref: theirs("tcplife", [], "MS\n"),
    local: ours(["tcplife", "--json", "-L", String(SERVER_PORT)]),
    remote: ours(["tcplife", "--json", "-D", `${SERVER_PORT},${CLOSED_PORT}`, "-6"]),
  };
  await Promise.all(Object.values(t).map((x) => x.started));
  const start = Date.now();
  const v4 = await runTcpConns(4, N, SEND, REPLY, undefined, SERVER_PORT);
  const v6 = await runTcpConns(6, N, SEND, REPLY, undefined, SERVER_PORT);
  const wallMs = Date.now() - start;
  await new Promise((r) => setTimeout(r, 500)); // the last records reach every ring
  const res = await stopAll(t, { anyExit: ["ref"], lostLine: /WARNING|lost/ });
  const parse = (out: string) => parseNdjson<JsonSession>(out);
  const all = parse(res.json.out);
  for (const run of [v4, v6]) {
    const at = (e: JsonSession) => e.ip === run.ip && e.laddr === run.addr && e.raddr === run.addr;
    // The client's sessions: its ports, the bytes it wrote and read. The kernel's
    // counters (tcp_sock bytes_acked, bytes_received: RFC 4898) run in sequence space:
    // the client's SYN and FIN are acknowledged too (+2), the server's FIN received (+1).
    const client = all.filter((e) => e.pid === run.client && e.rport === SERVER_PORT);
    assert.deepEqual(
      client.map((e) => [e.lport, e.tx_bytes, e.rx_bytes]),
      run.conns.map((c) => [c.sport, c.sent + 2, c.received + 1]),
      `IPv${run.ip} client sessions`,
    );
    assert.ok(
      run.conns.every((c) => c.sent === SEND && c.received === REPLY),
      "the workload moved what it was told",
    );
    // The server's: the bytes it read (its own count) and the reply; its SYN-ACK is
    // acknowledged before the socket is accepted (not counted), the FINs are.
    const server = all.filter((e) => e.pid === run.server);
    assert.deepEqual(
      server.map((e) => [e.lport, e.rport, e.rx_bytes, e.tx_bytes]),
      run.served.map((got, i) => [SERVER_PORT, CLIENT_PORT + i, got + 1, REPLY + 1]),
      `IPv${run.ip} server sessions`,
    );
    // The refused connect lived too: no bytes.
    const refused = all.filter((e) => e.pid === run.client && e.rport === CLOSED_PORT);
    assert.equal(refused.length, 1);
    assert.equal(refused[0].tx_bytes + refused[0].rx_bytes, 0);
    const mine = [...client, ...server, ...refused];
    assert.ok(
      mine.every((e) => at(e) && e.comm === run.comm && e.ms > 0 && e.ms < wallMs),
      JSON.stringify(mine[0]),
    );
    // -L 5000: the server's sessions; -D 5000,5001 -6: the IPv6 client's.
    const ours = (out: string, pid: number) => parse(out).filter((e) => e.pid === pid).length;
    assert.equal(ours(res.local.out, run.server), N);
    assert.equal(ours(res.local.out, run.client), 0);
    assert.equal(ours(res.remote.out, run.client), run.ip === 6 ? N + 1 : 0);
    assert.equal(ours(res.remote.out, run.server), 0);
  }
  // Text: libbpf-tools' lines for the workload's processes, but for MS.
  const pids = [v4.client, v4.server, v6.client, v6.server].map(String);
  const lines = (out: string) =>
    out
      .split("\n")
      .filter((l) => pids.includes(l.split(" ")[0]))
      .map((l) => l.replace(/ [\d.]+$/, ""))
      .sort();
  const text = lines(res.text.out);
  assert.equal(text.length, 4 * N + 2);
  assert.deepEqual(text, lines(res.ref.out));
  assert.equal(res.text.out.split("\n")[0], res.ref.out.split("\n")[0]);
  assert.match(text.find((l) => l.includes(` ${CLIENT_PORT} `)) ?? "", / 97\.66 {2}4\.88 {2}$/);
  // -w -T -t: 39-character address columns behind the two time columns.
  assert.match(
    res.wide.out,
    /^TIME {5}TIME\(s\) {2}PID {5}COMM {13}LADDR {35}LPORT RADDR {35}RPORT TX_KB {2}RX_KB {2}MS\n/,
  );
  assert.match(
    res.wide.out,
    new RegExp(`\\n\\d\\d:\\d\\d:\\d\\d \\d+\\.\\d{3} +${v6.client} +\\S+ +::1 {37}${CLIENT_PORT} `),
  );
  assert.equal(liveCount(), handles, "every BPF object and link closed");
});

test("bad input: one error line and exit 2; as a non-root user: one line and exit 1", async () => {
  await assertBadInput("tcplife", [
    [["-4", "-6"], /^tsnap: -4 and -6 exclude each other\n$/],
    [["-L", "0"], /^tsnap: -L must be ports from 1 to 65535 separated by commas, got '0'\n$/],
    [["-D", "a"], /^tsnap: -D must be ports from 1 to 65535/],
    [["-p", "-1"], /^tsnap: -p must be at least 1, got -1\n$/],
  ]);
});
