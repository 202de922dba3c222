// tsnap tcprtt against the kernel's own view of the same sockets: test/workloads/tcp-rtt.c
// (testkit/tcp-workload.ts) makes one connection in a network namespace of its own, runs
// ROUNDS request/reply round trips on it and prints `ss -tin` of the namespace before it
// closes. tcp:tcp_probe fires once per segment an established socket receives, so the
// client's histogram holds one sample per segment ss counted in (segs_in) but the SYN-ACK
// (received in SYN_SENT); the srtt ss shows lies within the histogram's slots. Several
// tracers run at once on the same runs: text and JSON of the same filter are the same
// histogram.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertBadInput, ours, parseHistText, stopAll } from "../../testkit/bcc-tools.js";
import { runTcpRtt, type TcpRttRun } from "../../testkit/tcp-workload.js";
import { REPO_ROOT } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/tcprtt.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/tcprtt.bpf.o not built (scripts/setup.sh)" : false;
// Ports of its own: other tests' workloads (other namespaces, same loopback addresses)
// may run at the same time, and tcp_probe does not say which namespace a segment is in.
const PORT = 29000;
const CLIENT = String(PORT + 1000);
const ROUNDS = 50;

interface JsonHist {
  laddr?: string;
  raddr?: string;
  unit: string;
  count: number;
  sum_ns: number;
  slots: { low: number; high: number; count: number }[];
}

const parse = (out: string) =>
  out
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as JsonHist);

/** Counts by log2 slot of a JSON histogram. */
const slotCounts = (h: JsonHist) => {
  const out: number[] = [];
  for (const s of h.slots) out[s.low === 0 ? 0 : Math.log2(s.low)] = s.count;
  return Array.from(out, (n) => n ?? 0);
};

const slotOf = (us: number) => (us < 2 ? 0 : Math.floor(Math.log2(us)));

test("one sample per segment the client's socket received, srtt as ss shows it; -b -B -a -A -P -m -e", {
  skip,
  timeout: 120_000,
}, async () => {
  const handles = liveCount();
  const t = {
    v4: ours(["tcprtt", "--json", "-p", CLIENT, "-4"]),
    v6: ours(["tcprtt", "--json", "-p", CLIENT, "-a", "::1"]),
    server: ours(["tcprtt", "--json", "-P", CLIENT, "-4"]),
    byLaddr: ours(["tcprtt", "--json", "-b", "-p", CLIENT]),
    text: ours(["tcprtt", "-e", "-p", CLIENT, "-4"]),
    ms: ours(["tcprtt", "-m", "-B", "-p", CLIENT, "-6"]),
    none: ours(["tcprtt", "--json", "-A", "127.0.0.2", "-p", CLIENT]),
  };
  await Promise.all(Object.values(t).map((x) => x.started));
  const v4 = await runTcpRtt(4, PORT, ROUNDS);
  const v6 = await runTcpRtt(6, PORT, ROUNDS);
  await new Promise((r) => setTimeout(r, 300));
  const res = await stopAll(t);
  const client = (run: TcpRttRun) => run.sockets.find((s) => s.local.endsWith(`:${CLIENT}`))!;
  const hists: Record<4 | 6, JsonHist> = { 4: parse(res.v4.out)[0], 6: parse(res.v6.out)[0] };
  for (const run of [v4, v6]) {
    const h = hists[run.ip];
    const sock = client(run);
    assert.ok(h, `IPv${run.ip}: a histogram`);
    assert.equal(h.unit, "usecs");
    // Every segment the client's socket received once established: ss's segs_in but the SYN-ACK.
    assert.equal(h.count, sock.segsIn - 1, `IPv${run.ip}: samples vs segs_in ${sock.segsIn}`);
    assert.ok(h.count >= ROUNDS, `IPv${run.ip}: at least one reply per round trip`);
    // ss's srtt (µs, rounded by ss to 1 µs) lies within the histogram, a slot either way.
    const counts = slotCounts(h);
    const lo = counts.findIndex((n) => n > 0);
    const hi = counts.length - 1;
    const s = slotOf(sock.rttMs * 1000);
    assert.ok(
      s >= lo - 1 && s <= hi + 1,
      `IPv${run.ip}: ss srtt ${sock.rttMs} ms (slot ${s}) in slots ${lo}..${hi}`,
    );
    // -b: one histogram per local address, the same counts.
    const byAddr = parse(res.byLaddr.out).find((x) => x.laddr === run.addr);
    assert.equal(byAddr?.count, h.count, `-b ${run.addr}`);
  }
  // -P: the server's socket (remote port = the client's): a sample per request at least.
  const server = parse(res.server.out)[0];
  assert.ok(server.count >= ROUNDS, `server: ${server.count} samples`);
  // Text, the same filter as v4's JSON: the same histogram, and -e's average of it.
  const text = parseHistText(res.text.out);
  assert.equal(text.length, 1);
  assert.equal(
    text[0].head,
    `All Addresses = ****** [AVG ${Math.floor(hists[4].sum_ns / 1000 / hists[4].count)}]`,
  );
  assert.equal(text[0].unit, "usecs");
  assert.deepEqual(text[0].counts, slotCounts(hists[4]));
  // -m -B -6: in ms (loopback RTTs are far below 1 ms: all in slot 0), per remote address.
  const ms = parseHistText(res.ms.out);
  assert.equal(ms.length, 1);
  assert.equal(ms[0].head, "Remote Address = ::1");
  assert.equal(ms[0].unit, "msecs");
  assert.deepEqual(ms[0].counts, [hists[6].count]);
  assert.match(
    res.text.out,
    /^Tracing TCP RTT\.\.\. Hit Ctrl-C to end\.\n\nAll Addresses = \*{6} \[AVG \d+\]\n {5}usecs {15}: count {4}distribution\n/m,
  );
  // -A 127.0.0.2: no connection of the workload's.
  assert.deepEqual(parse(res.none.out), []);
  assert.equal(liveCount(), handles, "every BPF object and link closed");
});

test("bad input: one error line and exit 2; as a non-root user: one line and exit 1", async () => {
  await assertBadInput("tcprtt", [
    [["-a", "1.2.3"], /^tsnap: -a must be an IPv4 or IPv6 address, got '1\.2\.3'\n$/],
    [["-A", "host"], /^tsnap: -A must be an IPv4 or IPv6 address, got 'host'\n$/],
    [["-p", "0"], /^tsnap: -p must be at least 1, got 0\n$/],
    [["-P", "70000"], /^tsnap: -P must be at most 65535, got 70000\n$/],
    [["-b", "-B"], /^tsnap: -b and -B: one at a time\n$/],
    [["-i", "0"], /^tsnap: -i must be at least 0\.05, got 0\n$/],
    [["5"], /^tsnap: unexpected argument '5'\n$/],
  ]);
});
