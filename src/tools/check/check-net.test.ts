// `tsnap check`'s network resources and its --interval reports, each run inside a network
// namespace this test makes (src/testkit/netns.ts): the namespace's TCP counters move only
// by the traffic the test makes there (test/workloads/tcp-load.c), so check's numbers must
// equal the kernel's own deltas (/proc/net/snmp and netstat, read by the test before check
// starts and after the traffic settled), when the traffic lay inside check's window (the
// test asserts it did). Truths: segments really lost (netem, or an nftables drop rule where
// this kernel has no netem), an accept queue overflowed on purpose (listen(fd, 1), many
// connects, no accept), a veth link (10000 Mb/s by its driver) beside `sar -n DEV`.
// Root only (namespaces). Run under the CPU lock.
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, test } from "node:test";
import { TSNAP_BIN } from "../../testkit/cli.js";
import { injectLoss, makeNetNs, type NetNs, netCounters, vethPair } from "../../testkit/netns.js";
import { SYSSTAT_ENV, sarDevRows, withinWindow } from "../../testkit/sysstat.js";
import { compileWorkload, type RunningWorkload, startWorkload } from "../../testkit/workloads.js";
import type { CheckReport } from "./check-report.js";

const root = process.getuid?.() === 0;
const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const skipNs = !root
  ? "needs root (network namespaces)"
  : !has("ip")
    ? "ip (iproute2) is not installed"
    : false;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A namespace removed at the end of the file (and its workloads stopped before). */
function netns(tag: string): NetNs {
  const ns = makeNetNs(tag);
  cleanups.push(() => ns.remove());
  return ns;
}

async function inNs(ns: NetNs, argv: string[]): Promise<RunningWorkload> {
  const w = await startWorkload("ip", ns.exec(argv).slice(1));
  cleanups.push(() => w.stop());
  return w;
}

const exited = (c: ChildProcess) =>
  new Promise<void>((res) =>
    c.exitCode !== null || c.signalCode !== null ? res() : c.once("exit", () => res()),
  );

/** `tsnap check --json ARGS` inside the namespace; its reports once it ends. */
function checkIn(
  ns: NetNs,
  args: string[],
): Promise<{ code: number; reports: CheckReport[]; stderr: string }> {
  const argv = ns.exec([process.execPath, TSNAP_BIN, "check", "--json", "--source", "proc", ...args]);
  const c = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  cleanups.push(() => c.kill("SIGKILL"));
  let out = "";
  let err = "";
  c.stdout.on("data", (d) => {
    out += d;
  });
  c.stderr.on("data", (d) => {
    err += d;
  });
  return new Promise((res) =>
    c.once("close", (code) => {
      assert.ok(code === 0 || code === 3, `check exit ${code}: ${err}`);
      res({
        code: code ?? -1,
        reports: out
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as CheckReport),
        stderr: err,
      });
    }),
  );
}

/** Polls the namespace's counters until `keys` stay unchanged for `quietMs`; when they last moved. */
async function settle(ns: NetNs, keys: string[], quietMs = 1500): Promise<number> {
  let last = keys.map((k) => netCounters(ns).get(k)).join(",");
  let lastChange = Date.now();
  while (Date.now() - lastChange < quietMs) {
    await sleep(100);
    const now = keys.map((k) => netCounters(ns).get(k)).join(",");
    if (now !== last) {
      last = now;
      lastChange = Date.now();
    }
  }
  return lastChange;
}

/** The traffic [fromMs, toMs] lay inside the reports' windows (else the deltas cannot match). */
function assertInside(reports: CheckReport[], fromMs: number, toMs: number) {
  const start = Date.parse(reports[0].started_at);
  const last = reports[reports.length - 1];
  const end = Date.parse(last.started_at) + last.duration_s * 1000;
  assert.ok(
    fromMs >= start && toMs <= end,
    `traffic ${new Date(fromMs).toISOString()}..${new Date(toMs).toISOString()} not inside check's window ${reports[0].started_at} + ${(end - start) / 1000} s (a slow start?)`,
  );
}

const metricOf = (r: CheckReport, resource: string, kind: string) => {
  const m = r.resources.find((x) => x.name === resource)?.metrics.find((x) => x.kind === kind);
  assert.ok(m, `no ${resource} ${kind}`);
  return m;
};

const delta = (a: Map<string, number>, b: Map<string, number>, k: string) =>
  (b.get(k) ?? 0) - (a.get(k) ?? 0);

test("TCP retransmits: segments lost on purpose; check's retransmitted and sent segments equal the namespace's /proc/net/snmp deltas, flagged bad", {
  skip: skipNs,
  timeout: 60_000,
}, async (t) => {
  const ns = netns("chkrt");
  const port = 5001;
  const loss = injectLoss(ns, port, 25);
  if ("skip" in loss) {
    t.skip(`no way to lose packets here: ${loss.skip}`);
    return;
  }
  t.diagnostic(`loss: ${loss.how}`);
  const bin = compileWorkload("tcp-load");
  await inNs(ns, [bin, "sink", "127.0.0.1", String(port)]);
  const s0 = netCounters(ns);
  const checked = checkIn(ns, ["-d", "10"]);
  await sleep(3000);
  const from = Date.now();
  const send = await inNs(ns, [bin, "send", "127.0.0.1", String(port), "3000", "2000"]);
  await exited(send.child);
  assert.equal(send.child.exitCode, 0, "the sender got every byte acknowledged");
  const to = await settle(ns, ["Tcp.RetransSegs", "Tcp.OutSegs"]);
  const { code, reports } = await checked;
  const s1 = netCounters(ns);
  assert.equal(reports.length, 1);
  assertInside(reports, from, to);
  const r = reports[0];
  const e = metricOf(r, "tcp", "errors");
  const retrans = delta(s0, s1, "Tcp.RetransSegs");
  const sent = delta(s0, s1, "Tcp.OutSegs");
  t.diagnostic(`check: ${e.text}; /proc/net/snmp: ${retrans} of ${sent}`);
  assert.ok(retrans > 0, "no segment was retransmitted");
  assert.equal(e.detail?.retrans_segs, retrans);
  assert.equal(e.detail?.out_segs, sent);
  assert.equal(e.verdict, "bad", e.text);
  assert.equal(code, 3);
  const f = r.findings.find((x) => x.resource === "tcp" && x.kind === "errors");
  assert.ok(f?.next.some((c) => c.startsWith("ss -tin")));
});

test("TCP listen backlog overflow: listen(fd, 1) and 16 connects without accept; check's drops equal /proc/net/netstat's ListenDrops and ListenOverflows deltas", {
  skip: skipNs,
  timeout: 60_000,
}, async (t) => {
  const ns = netns("chklq");
  const bin = compileWorkload("tcp-load");
  const s0 = netCounters(ns);
  const checked = checkIn(ns, ["-d", "9"]);
  await sleep(3000);
  const from = Date.now();
  const w = await inNs(ns, [bin, "backlog", "127.0.0.1", "5002", "16"]);
  await sleep(2000); // SYNs retried after 1 s are dropped again
  await w.stop(); // the listener and the connecting sockets close: no more SYNs
  const to = await settle(ns, ["TcpExt.ListenDrops", "TcpExt.ListenOverflows"]);
  const { code, reports } = await checked;
  const s1 = netCounters(ns);
  assertInside(reports, from, to);
  const sat = metricOf(reports[0], "tcp", "saturation");
  const drops = delta(s0, s1, "TcpExt.ListenDrops");
  const overflows = delta(s0, s1, "TcpExt.ListenOverflows");
  t.diagnostic(`check: ${sat.text}; /proc/net/netstat: ListenDrops ${drops}, ListenOverflows ${overflows}`);
  // 16 connects to a queue that holds 2: at least 14 SYNs dropped.
  assert.ok(overflows >= 14, `ListenOverflows ${overflows}`);
  assert.equal(sat.detail?.listen_drops, drops);
  assert.equal(sat.detail?.listen_overflows, overflows);
  assert.equal(sat.verdict, "bad", sat.text);
  assert.equal(code, 3);
  const f = reports[0].findings.find((x) => x.resource === "tcp" && x.kind === "saturation");
  assert.ok(f?.next.some((c) => c.startsWith("ss -ltn")));
  // conntrack: this namespace's count and max, as the kernel gives them.
  const ct = (k: string) => Number(ns.run(["cat", `/proc/sys/net/netfilter/nf_conntrack_${k}`]));
  const c = metricOf(reports[0], "conntrack", "utilization");
  if (c.detail === undefined) assert.match(c.text, /^not loaded/);
  else assert.deepEqual([c.detail.count, c.detail.max], [ct("count"), ct("max")]);
});

test("--interval 2 -d 6: three reports, each over its own 2 s (contiguous windows; their sent segments add up to the namespace's delta)", {
  skip: skipNs,
  timeout: 60_000,
}, async (t) => {
  const ns = netns("chkiv");
  const bin = compileWorkload("tcp-load");
  await inNs(ns, [bin, "sink", "127.0.0.1", "5003"]);
  const s0 = netCounters(ns);
  const checked = checkIn(ns, ["--interval", "2", "-d", "6"]);
  await sleep(2500);
  const from = Date.now();
  const send = await inNs(ns, [bin, "send", "127.0.0.1", "5003", "3000", "500"]);
  await exited(send.child);
  const to = await settle(ns, ["Tcp.OutSegs"], 500);
  const { reports } = await checked;
  const s1 = netCounters(ns);
  assert.equal(reports.length, 3, reports.map((r) => r.started_at).join(", "));
  assertInside(reports, from, to);
  const sent = reports.map((r) => metricOf(r, "tcp", "errors").detail!.out_segs);
  const total = delta(s0, s1, "Tcp.OutSegs");
  t.diagnostic(`segments sent per report ${sent.join(" + ")}; /proc/net/snmp ${total}`);
  for (const r of reports) assert.ok(Math.abs(r.duration_s - 2) < 0.3, `duration ${r.duration_s}`);
  for (let i = 1; i < reports.length; i++) {
    const prevEnd = Date.parse(reports[i - 1].started_at) + reports[i - 1].duration_s * 1000;
    assert.ok(Math.abs(Date.parse(reports[i].started_at) - prevEnd) < 50, `gap before report ${i}`);
  }
  assert.equal(
    sent.reduce((a, b) => a + b, 0),
    total,
  );
  // 3 s of traffic cannot fit in one 2 s window: at least two reports saw part of it.
  assert.ok(sent.filter((n) => n > 0).length >= 2, sent.join(","));
  assert.ok(Math.max(...sent) < total);
});

test("a veth link: its speed from /sys/class/net, utilization and throughput as sar -n DEV's and the namespace's /proc/net/dev", {
  skip: skipNs || (!has("sar") ? "sar (sysstat) is not installed (scripts/setup.sh)" : false),
  timeout: 60_000,
}, async (t) => {
  const a = netns("chkva");
  const b = netns("chkvb");
  const link = vethPair(a, b);
  const bin = compileWorkload("tcp-load");
  const sink = await inNs(a, [bin, "sink", link.aIp, "5004"]);
  const speed = Number(a.run(["cat", `/sys/class/net/${link.aIf}/speed`]));
  // Steady traffic from before check starts to after it ends: sar's whole seconds inside the
  // window see the rate check averages over it.
  const send = await inNs(b, [bin, "send", link.aIp, "5004", "14000", "8000"]);
  /** The link's received bytes every 100 ms, from /proc/PID/net/dev of a process in `a`. */
  const rx: { ms: number; bytes: number }[] = [];
  const poll = setInterval(() => {
    const line = readFileSync(`/proc/${sink.child.pid}/net/dev`, "utf8")
      .split("\n")
      .find((l) => l.trim().startsWith(`${link.aIf}:`));
    if (line) rx.push({ ms: Date.now(), bytes: Number(line.split(":")[1].trim().split(/\s+/)[0]) });
  }, 100);
  const sarArgv = a.exec(["sar", "-n", "DEV", "1", "30"]);
  const sar = spawn(sarArgv[0], sarArgv.slice(1), { stdio: ["ignore", "pipe", "ignore"], env: SYSSTAT_ENV });
  cleanups.push(() => sar.kill("SIGKILL"));
  let sarOut = "";
  sar.stdout.on("data", (d) => {
    sarOut += d;
  });
  await sleep(1500);
  let reports: CheckReport[];
  try {
    ({ reports } = await checkIn(a, ["-d", "6"]));
    await sleep(1100);
  } finally {
    clearInterval(poll);
    sar.kill("SIGINT");
    await exited(sar);
  }
  await send.stop();
  const r = reports[0];
  const start = Date.parse(r.started_at);
  const r0 = rx.find((x) => x.ms >= start)!;
  const r1 = [...rx].reverse().find((x) => x.ms <= start + r.duration_s * 1000)!;
  const ownKBs = (r1.bytes - r0.bytes) / 1024 / ((r1.ms - r0.ms) / 1000);
  const sarAvg = withinWindow(sarDevRows(sarOut, link.aIf), r);
  const u = metricOf(r, `net ${link.aIf}`, "utilization");
  t.diagnostic(
    `${link.aIf} at ${speed} Mb/s: rxkB/s check ${u.detail?.rxkB_s}, sar ${sarAvg["rxkB/s"].toFixed(1)}, /proc/net/dev ${ownKBs.toFixed(1)}; %util check ${u.detail?.util}, sar %ifutil ${sarAvg["%ifutil"].toFixed(3)}`,
  );
  assert.equal(speed, 10000, "veth reports 10000 Mb/s");
  assert.equal(u.detail?.speed_mbps, speed);
  assert.match(u.text, new RegExp(`of ${speed} Mb/s`));
  const rxKBs = u.detail!.rxkB_s;
  assert.ok(rxKBs > 4000, `rx ${rxKBs} kB/s (the sender paces 8000)`);
  assert.ok(Math.abs(rxKBs - sarAvg["rxkB/s"]) <= 0.05 * sarAvg["rxkB/s"], `sar rxkB/s ${sarAvg["rxkB/s"]}`);
  assert.ok(Math.abs(rxKBs - ownKBs) <= 0.05 * ownKBs, `/proc/net/dev ${ownKBs} kB/s`);
  // Utilization: the busier direction's bits over the link speed (sar's %ifutil for full duplex).
  const expected = ((Math.max(rxKBs, u.detail!.txkB_s) * 1024 * 8) / 1e6 / speed) * 100;
  assert.ok(Math.abs(u.detail!.util - expected) < 0.001, `util ${u.detail!.util} vs ${expected}`);
  assert.ok(
    Math.abs(u.detail!.util - sarAvg["%ifutil"]) <= 0.05 * sarAvg["%ifutil"] + 0.01,
    `sar %ifutil ${sarAvg["%ifutil"]}`,
  );
});
