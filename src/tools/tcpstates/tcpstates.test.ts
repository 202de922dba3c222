// tsnap tcpstates against connections whose life is known (testkit/tcp-workload.ts: N
// connections in a network namespace of their own, the client closing first, IPv4 then
// IPv6; one refused connect) and the namespace's own counters, and side by side with
// libbpf-tools' tcpstates (which runs on this kernel) on the same runs: the same lines
// but the MS column (each tool times from its own clock reads).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, libbpfTool, ours, parseNdjson, stopAll, theirs } from "../../testkit/bcc-tools.js";
import { runTcpConns, type TcpRun } from "../../testkit/tcp-workload.js";
import { REPO_ROOT } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/tcpstates.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/tcpstates.bpf.o not built (scripts/setup.sh)" : false;
const skipRef =
  skip || (libbpfTool("tcpstates") ? false : "libbpf-tools tcpstates not installed (setup.sh --tests)");
// Ports of its own: other tests' workloads (other namespaces, same loopback addresses)
// may run at the same time, and the records do not say which namespace they come from.
const SERVER_PORT = 25000;
const CLOSED_PORT = SERVER_PORT + 1;
const CLIENT_PORT = SERVER_PORT + 1000;
const N = 5;

interface JsonChange {
  skaddr: string;
  pid: number;
  ip: number;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  oldstate: string;
  newstate: string;
  ms: number;
}

// TCP's state machine for the workload's order of events: the client shuts its side down
// first; the server reads to EOF, replies, closes.
const CLIENT = [
  "CLOSE>SYN_SENT",
  "SYN_SENT>ESTABLISHED",
  "ESTABLISHED>FIN_WAIT1",
  "FIN_WAIT1>FIN_WAIT2",
  "FIN_WAIT2>CLOSE",
];
const SERVER = [
  "LISTEN>SYN_RECV",
  "SYN_RECV>ESTABLISHED",
  "ESTABLISHED>CLOSE_WAIT",
  "CLOSE_WAIT>LAST_ACK",
  "LAST_ACK>CLOSE",
];

test("every state change of the workload's sockets, IPv4 and IPv6; libbpf-tools' lines; filters", {
  skip: skipRef,
  timeout: 120_000,
}, async () => {
  const handles = liveCount();
  const t = {
    json: ours(["tcpstates", "--json"]),
    text: ours(["tcpstates"], "MS\n"),
    ref: theirs("tcpstates", [], "MS\n"),
    wide: ours(["tcpstates", "-w", "-T", "-t", "-6", "-D", String(SERVER_PORT)], "MS\n"),
    local: ours(["tcpstates", "--json", "-4", "-L", String(SERVER_PORT)]),
  };
  await Promise.all(Object.values(t).map((x) => x.started));
  const v4 = await runTcpConns(4, N, 3000, 300, undefined, SERVER_PORT);
  const v6 = await runTcpConns(6, N, 3000, 300, undefined, SERVER_PORT);
  await new Promise((r) => setTimeout(r, 1000));
  const res = await stopAll(t, { anyExit: ["ref"], lostLine: /WARNING|lost/ });
  const parse = (out: string) => parseNdjson<JsonChange>(out);
  const all = parse(res.json.out);
  const of = (run: TcpRun, lport: number, rport: number) =>
    all.filter((e) => e.ip === run.ip && e.laddr === run.addr && e.lport === lport && e.rport === rport);
  const seq = (es: JsonChange[]) => es.map((e) => `${e.oldstate}>${e.newstate}`);
  for (const run of [v4, v6]) {
    for (let i = 0; i < N; i++) {
      const client = of(run, CLIENT_PORT + i, SERVER_PORT);
      assert.deepEqual(seq(client), CLIENT, `IPv${run.ip} client ${i}`);
      assert.equal(new Set(client.map((e) => e.skaddr)).size, 1, "one socket");
      assert.equal(client[0].pid, run.client, "connect() runs in the client");
      assert.equal(client[0].ms, 0, "no earlier state seen");
      assert.ok(
        client.slice(1).every((e) => e.ms > 0),
        "time in each state after the first",
      );
      assert.deepEqual(seq(of(run, SERVER_PORT, CLIENT_PORT + i)), SERVER, `IPv${run.ip} server ${i}`);
    }
    const listener = all.filter((e) => e.ip === run.ip && e.lport === SERVER_PORT && e.rport === 0);
    assert.deepEqual(seq(listener), ["CLOSE>LISTEN", "LISTEN>CLOSE"]);
    const refused = all.filter((e) => e.ip === run.ip && e.laddr === run.addr && e.rport === CLOSED_PORT);
    assert.deepEqual(seq(refused), ["CLOSE>SYN_SENT", "SYN_SENT>CLOSE"]);
    // The namespace's own counts: every ESTABLISHED (N client, N server sockets) and the
    // one failed attempt.
    const established = all.filter(
      (e) =>
        e.ip === run.ip &&
        e.laddr === run.addr &&
        e.newstate === "ESTABLISHED" &&
        [e.lport, e.rport].includes(SERVER_PORT),
    );
    assert.equal(established.length, run.snmp.ActiveOpens - run.snmp.AttemptFails + run.snmp.PassiveOpens);
    assert.equal(run.snmp.AttemptFails, refused.length / 2);
    // -4 -L SERVER_PORT: the IPv4 server sockets and listener only.
    const local = parse(res.local.out).filter((e) => e.laddr === run.addr);
    assert.equal(local.length, run.ip === 4 ? 5 * N + 2 : 0);
  }
  // Text: libbpf-tools' lines for the workload's sockets, but for MS.
  const ports = new Set([SERVER_PORT, CLOSED_PORT, ...Array.from({ length: N }, (_, i) => CLIENT_PORT + i)]);
  const mine = (out: string) =>
    out
      .split("\n")
      .filter((l) => {
        const f = l.trim().split(/ +/); // SKADDR PID COMM LADDR LPORT RADDR RPORT OLD -> NEW MS
        return (
          f.length === 11 && ["127.0.0.1", "::1"].includes(f[3]) && ports.has(Number(f[6]) || Number(f[4]))
        );
      })
      .map((l) => l.replace(/ [\d.]+$/, ""));
  const text = mine(res.text.out);
  assert.equal(text.length, 2 * (10 * N + 2 + 2));
  // libbpf-tools' perf buffer may still hold the last lines when it is stopped: its lines
  // are a leading part of ours.
  const ref = mine(res.ref.out);
  assert.ok(ref.length >= 10 * N, `libbpf-tools printed ${ref.length} lines`);
  assert.deepEqual(text.slice(0, ref.length), ref);
  assert.equal(res.text.out.split("\n")[0], res.ref.out.split("\n")[0]);
  // -w -T -t -6 -D SERVER_PORT: the IPv6 client sockets, wide, with the two time columns.
  const wide = res.wide.out.split("\n").filter((l) => l.includes(" ::1 "));
  assert.equal(wide.length, 5 * N);
  assert.match(
    res.wide.out,
    /^TIME {5}TIME\(s\) {2}SKADDR {11}PID {5}COMM {13}IP LADDR {22}LPORT RADDR {22}RPORT OLDSTATE {4}-> NEWSTATE {4}MS\n/,
  );
  assert.match(
    wide[0],
    new RegExp(
      `^\\d\\d:\\d\\d:\\d\\d \\d+\\.\\d{3} +[0-9a-f]{16} \\d+ +\\S+ +6 {2}::1 {24}${CLIENT_PORT} ::1 {24}${SERVER_PORT} CLOSE {7}-> SYN_SENT {4}0\\.000$`,
    ),
  );
  assert.equal(liveCount(), handles, "every BPF object and link closed");
});

test("bad input: one error line and exit 2; as a non-root user: one line and exit 1", async () => {
  await assertBadInput("tcpstates", [
    [["-4", "-6"], /^tsnap: -4 and -6 exclude each other\n$/],
    [["-L", "70000"], /^tsnap: -L must be ports from 1 to 65535 separated by commas, got '70000'\n$/],
    [["-d", "0"], /^tsnap: -d must be more than 0 seconds, got 0\n$/],
  ]);
});
