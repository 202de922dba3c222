// tsnap udptop against datagrams whose bytes are known (test/workloads/udp-dgrams.c in a
// network namespace of its own: a connected client sends N datagrams of SIZE bytes, an
// unconnected server answers each with SIZE/2; each end counts what it moved, and the
// namespace counts its Udp InDatagrams/OutDatagrams), IPv4 then IPv6. bcc has no such
// tool to run beside it.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { promisify } from "node:util";
import { liveCount } from "../../bpf/handles.js";
import { assertNeedsRoot, ours, parseNdjson, stopAll } from "../../testkit/bcc-tools.js";
import { runCli, TSNAP_BIN } from "../../testkit/cli.js";
import { compileWorkload, REPO_ROOT } from "../../testkit/workloads.js";
import type { JsonTraffic } from "../tcptop/tcptop-report.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/tcptop.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/tcptop.bpf.o not built (scripts/setup.sh)" : false;
const PORT = 43000;
const N = 20;
const SIZE = 1200;

interface UdpRun {
  ip: 4 | 6;
  server: number;
  client: number;
  sent: [number, number];
  served: [number, number];
  udp: Record<string, number>;
}

async function udpDgrams(ip: 4 | 6): Promise<UdpRun> {
  const args = [String(ip), String(PORT), String(N), String(SIZE)];
  const { stdout } = await promisify(execFile)(compileWorkload("udp-dgrams"), args, { timeout: 30_000 });
  const run: UdpRun = { ip, server: 0, client: 0, sent: [0, 0], served: [0, 0], udp: {} };
  const snmp: string[][] = [];
  for (const l of stdout.split("\n")) {
    const f = l.split(" ");
    if (f[0] === "server") run.server = Number(f[1]);
    else if (f[0] === "client") run.client = Number(f[1]);
    else if (f[0] === "sent") run.sent = [Number(f[1]), Number(f[2])];
    else if (f[0] === "served") run.served = [Number(f[1]), Number(f[2])];
    else if (f[0] === "snmp") snmp.push(f.slice(2));
    else if (f[0] === "snmp6") run.udp[f[1].replace(/^Udp6/, "")] = Number(f.at(-1));
  }
  // IPv4's counters from snmp, IPv6's from snmp6 (same names without "Udp6").
  if (ip === 4)
    snmp[0].forEach((n, i) => {
      run.udp[n] = Number(snmp[1][i]);
    });
  return run;
}

test("each process's UDP bytes each way, as both ends counted them; IPv4 and IPv6; TCP left out", {
  skip,
  timeout: 120_000,
}, async () => {
  const handles = liveCount();
  const t = {
    json: ours(["udptop", "--json", "-C", "60"], "Ctrl-C to end."),
    v6: ours(["udptop", "--json", "-6", "60"], "Ctrl-C to end."),
    tcp: ours(["tcptop", "--json", "60"], "Ctrl-C to end."),
  };
  await Promise.all(Object.values(t).map((x) => x.started));
  const runs = [await udpDgrams(4), await udpDgrams(6)];
  const res = await stopAll(t);
  const rows = parseNdjson<JsonTraffic>(res.json.out);
  for (const run of runs) {
    assert.equal(run.udp.OutDatagrams, 2 * N, "the namespace sent N datagrams each way");
    assert.equal(run.sent[0], N * SIZE);
    const addr = run.ip === 4 ? "127.0.0.1" : "::1";
    const any = run.ip === 4 ? "0.0.0.0" : "::";
    const client = rows.filter((r) => r.pid === run.client);
    assert.deepEqual(
      client.map((r) => [r.ip, r.laddr, r.lport, r.raddr, r.rport, r.tx_bytes, r.rx_bytes]),
      [[run.ip, addr, PORT + 1000, addr, PORT, run.sent[0], run.sent[1]]],
      "the connected client: its socket and peer, the bytes it sent and received",
    );
    const server = rows.filter((r) => r.pid === run.server);
    assert.deepEqual(
      server.map((r) => [r.ip, r.laddr, r.lport, r.raddr, r.rport, r.rx_bytes, r.tx_bytes]),
      [[run.ip, addr, PORT, any, 0, run.served[0], run.served[1]]],
      "the unconnected server: no peer in the socket",
    );
    const v6 = parseNdjson<JsonTraffic>(res.v6.out).filter(
      (r) => r.pid === run.client || r.pid === run.server,
    );
    assert.equal(v6.length, run.ip === 6 ? 2 : 0, "-6");
    const tcp = parseNdjson<JsonTraffic>(res.tcp.out).filter(
      (r) => r.pid === run.client || r.pid === run.server,
    );
    assert.equal(tcp.length, 0, "tcptop counts no UDP");
  }
  assert.match(res.json.err, /^Tracing UDP traffic\.\.\. Hit Ctrl-C to end\.\n/);
  assert.equal(liveCount(), handles, "every BPF object and link closed");
});

test("bad input: one error line and exit 2; as a non-root user: one line and exit 1", async () => {
  for (const argv of [["-4", "-6"], ["0"], ["--bogus"]]) {
    const r = await runCli(["udptop", ...argv]);
    assert.equal(r.code, 2, argv.join(" "));
    assert.match(r.stderr, /^tsnap: [^\n]+\n$/);
    assert.equal(r.stdout, "");
  }
  if (root) assertNeedsRoot("udptop", TSNAP_BIN);
});
