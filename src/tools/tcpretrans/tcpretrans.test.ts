// tsnap tcpretrans against retransmits forced in a network namespace of the workload's
// own (testkit/tcp-workload.ts, with an nftables rule there that drops one packet in ten
// at random: no netem in this kernel), against the namespace's own counters: RetransSegs
// (/proc/net/snmp) less what the tracepoint does not see (tail loss probes, SYN-ACK
// resends: TCPLossProbes, TCPSynRetrans in /proc/net/netstat); -c equal to the records.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { ours, parseNdjson, stopAll } from "../../testkit/bcc-tools.js";
import { runCli } from "../../testkit/cli.js";
import { runTcpConns, type TcpRun } from "../../testkit/tcp-workload.js";
import { REPO_ROOT } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/tcpretrans.bpf.o`);
const nft = spawnSync("nft", ["--version"]).status === 0;
const skip = !root
  ? "needs root"
  : !built
    ? "build/bpf/tcpretrans.bpf.o not built (scripts/setup.sh)"
    : !nft
      ? "nft (Debian's nftables) not installed: no way to drop packets (setup.sh --tests)"
      : false;
const N = 4;
// Ports of its own: other tests' workloads (other namespaces, same loopback addresses)
// may run at the same time, and the records do not say which namespace they come from.
const PORT = 15_000;
const LOSS =
  "nft add table inet loss && nft add chain inet loss out '{ type filter hook output priority 0; }' && nft add rule inet loss out numgen random mod 10 0 drop";

interface JsonRetrans {
  ip: number;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  state: string;
}

test("retransmits under 10% loss: within the namespace's own counts; -c per connection", {
  skip,
  timeout: 240_000,
}, async () => {
  const handles = liveCount();
  const t = {
    json: ours(["tcpretrans", "--json"]),
    text: ours(["tcpretrans"], "STATE\n"),
    count: ours(["tcpretrans", "-c", "--json"], "Ctrl-C to end"),
  };
  await Promise.all(Object.values(t).map((x) => x.started));
  const runs: TcpRun[] = [];
  // Until some retransmit happened (each run loses a packet with probability ~1 - 0.9^60).
  for (let i = 0; i < 4 && runs.reduce((n, r) => n + r.snmp.RetransSegs, 0) === 0; i++) {
    runs.push(await runTcpConns(i % 2 === 0 ? 4 : 6, N, 100_000, 5_000, LOSS, PORT));
  }
  await new Promise((r) => setTimeout(r, 500));
  const res = await stopAll(t);
  const ports = new Set([PORT, PORT + 1, ...Array.from({ length: N }, (_, i) => PORT + 1000 + i)]);
  const parse = (out: string) => parseNdjson<JsonRetrans & { retransmits?: number }>(out);
  // The workload's namespace stays quiet after its counters were read (tcp-conns.c waits
  // for its orphaned sockets), so every retransmit of these ports belongs to one run's
  // counters, whichever tracer stopped first: the runs are compared as a whole.
  const mine = (e: JsonRetrans) =>
    runs.some((r) => e.ip === r.ip && e.laddr === r.addr) && (ports.has(e.lport) || ports.has(e.rport));
  const events = parse(res.json.out).filter(mine);
  const sum = (k: (r: TcpRun) => number) => runs.reduce((n, r) => n + k(r), 0);
  const segs = sum((r) => r.snmp.RetransSegs);
  // RetransSegs counts segments: a retransmitted GSO packet is one event and several
  // segments (a run here counted 2 segments for 1 event, with no loss probe or SYN-ACK
  // resend). It also counts what tcp:tcp_retransmit_skb does not show, as bcc's
  // tcpretrans does not: tail loss probes that resend the last segment (in TCPLossProbes,
  // with those that send new data) and SYN-ACKs resent for connections not yet accepted
  // (TCPSynRetrans counts them with the SYNs, which are events in state SYN_SENT). So: at
  // most RetransSegs, and some when RetransSegs holds more than those.
  const synEvents = events.filter((e) => e.state === "SYN_SENT").length;
  const synacks = sum((r) => r.netstat.TCPSynRetrans) - synEvents;
  assert.ok(
    synacks >= 0,
    `${synEvents} SYN retransmits, TCPSynRetrans ${sum((r) => r.netstat.TCPSynRetrans)}`,
  );
  const unseen = sum((r) => r.netstat.TCPLossProbes) + synacks;
  assert.ok(
    events.length <= segs && events.length >= (segs > unseen ? 1 : 0),
    `${events.length} events, RetransSegs ${segs}, loss probes and SYN-ACK resends ${unseen}`,
  );
  // -c counts exactly what the records list, connection by connection.
  const key = (e: JsonRetrans) => `${e.laddr}:${e.lport}>${e.raddr}:${e.rport}`;
  const byConn = new Map<string, number>();
  for (const e of events) byConn.set(key(e), (byConn.get(key(e)) ?? 0) + 1);
  const counted = new Map(
    parse(res.count.out)
      .filter(mine)
      .map((c) => [key(c), c.retransmits ?? 0]),
  );
  assert.deepEqual(counted, byConn, "-c: the records' count per connection");
  const text = res.text.out.split("\n").filter((l) => runs.some((r) => l.includes(` ${r.ip}  ${r.addr}:`)));
  assert.ok(text.length >= events.length);
  assert.ok(events.length > 0 || segs === 0, "a retransmit was seen");
  assert.match(res.text.out, /^TIME {5}PID {4}IP LADDR:LPORT {10}T> RADDR:RPORT {10}STATE\n/);
  assert.equal(liveCount(), handles, "every BPF object and link closed");
});

test("-l: one line, exit 1 (no tracepoint for tail loss probes); bad input: exit 2", async () => {
  const l = await runCli(["tcpretrans", "-l"]);
  assert.equal(l.code, 1);
  assert.match(l.stderr, /^tsnap: tcpretrans -l is not supported here: tail loss probes have no tracepoint/);
  const r = await runCli(["tcpretrans", "-d", "x"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^tsnap: -d must be a decimal number, got 'x'\n$/);
});
