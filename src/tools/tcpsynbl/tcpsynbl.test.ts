// tsnap tcpsynbl against accept queues filled to a known depth: test/workloads/
// syn-backlog.c listens with listen(BACKLOG) in a network namespace of its own and makes
// K connections before accepting any, so the queue holds 0, 1, ..., K-1 connections when
// each one joins it (and its namespace counts K PassiveOpens). Backlog limits no other
// test uses (23 for IPv4, 7 for IPv6): the histograms are keyed by the limit alone.
// libbpf-tools' tcpsynbl does not load here (kprobes), so no run beside it.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { promisify } from "node:util";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, ours, parseHistText, parseNdjson, stopAll } from "../../testkit/bcc-tools.js";
import { compileWorkload, REPO_ROOT } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/tcpsynbl.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/tcpsynbl.bpf.o not built (scripts/setup.sh)" : false;
const PORT = 39000;
const RUNS = [
  { ip: 4, port: PORT, backlog: 23, k: 12 },
  { ip: 6, port: PORT + 1, backlog: 7, k: 5 },
] as const;

interface JsonHist {
  backlog_max: number;
  unit: string;
  count: number;
  slots: { low: number; high: number; count: number }[];
}

/** The log2 slots (bcc's: 0 and 1 in slot 0) of the queue lengths 0..k-1, as {low, high, count}. */
function expectedSlots(k: number): { low: number; high: number; count: number }[] {
  const counts = new Map<number, number>();
  for (let v = 0; v < k; v++) {
    const slot = v < 2 ? 0 : Math.floor(Math.log2(v));
    counts.set(slot, (counts.get(slot) ?? 0) + 1);
  }
  return [...counts].map(([s, count]) => ({ low: s === 0 ? 0 : 2 ** s, high: 2 ** (s + 1) - 1, count }));
}

async function synBacklog(
  ip: number,
  port: number,
  backlog: number,
  k: number,
): Promise<Record<string, number>> {
  const args = [String(ip), String(port), String(backlog), String(k)];
  const { stdout } = await promisify(execFile)(compileWorkload("syn-backlog"), args, { timeout: 30_000 });
  const rows = stdout.split("\n").filter((l) => l.startsWith("snmp Tcp:"));
  const names = rows[0].split(" ").slice(2);
  const values = rows[1].split(" ").slice(2);
  return Object.fromEntries(names.map((n, i) => [n, Number(values[i])]));
}

test("the accept queue's length at each new connection, per backlog limit: exact; -4 and -6", {
  skip,
  timeout: 120_000,
}, async () => {
  const handles = liveCount();
  const t = {
    json: ours(["tcpsynbl", "--json"]),
    text: ours(["tcpsynbl", "-T"]),
    v4: ours(["tcpsynbl", "--json", "-4"]),
    v6: ours(["tcpsynbl", "--json", "-6"]),
  };
  await Promise.all(Object.values(t).map((x) => x.started));
  for (const r of RUNS) {
    const snmp = await synBacklog(r.ip, r.port, r.backlog, r.k);
    assert.equal(snmp.PassiveOpens, r.k, `IPv${r.ip}: the namespace accepted K connections`);
  }
  const res = await stopAll(t);
  const of = (out: string, max: number) => parseNdjson<JsonHist>(out).filter((h) => h.backlog_max === max);
  for (const r of RUNS) {
    const [h] = of(res.json.out, r.backlog);
    assert.ok(h, `a histogram for backlog_max ${r.backlog}`);
    assert.equal(h.count, r.k, "one count per connection");
    assert.deepEqual(h.slots, expectedSlots(r.k), `IPv${r.ip}: queue lengths 0..${r.k - 1}`);
    assert.equal(h.unit, "backlog");
    assert.equal(of(res.v4.out, r.backlog).length, r.ip === 4 ? 1 : 0, "-4");
    assert.equal(of(res.v6.out, r.backlog).length, r.ip === 6 ? 1 : 0, "-6");
    // Text: libbpf-tools' "backlog_max = N" before each histogram of "backlog".
    const text = parseHistText(res.text.out).find((x) => x.head === `backlog_max = ${r.backlog}`);
    assert.ok(text, res.text.out);
    assert.equal(text.unit, "backlog");
    assert.equal(
      text.counts.reduce((a, b) => a + b, 0),
      r.k,
    );
  }
  assert.match(res.text.out, /^Tracing SYN backlog size\.\.\. Hit Ctrl-C to end\.\n\n\d\d:\d\d:\d\d\n/);
  assert.equal(liveCount(), handles, "every BPF object and link closed");
});

test("bad input: one error line and exit 2; as a non-root user: one line and exit 1", async () => {
  await assertBadInput("tcpsynbl", [
    [["-4", "-6"], /^tsnap: -4 and -6 exclude each other\n$/],
    [["x"], /^tsnap: /],
    [["1", "2", "3"], /^tsnap: /],
    [["--bogus"], /^tsnap: unknown option '--bogus'/],
  ]);
});
