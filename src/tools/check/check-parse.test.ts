// Pure parts of `tsnap check` on fixtures in the kernel's own formats: the parsers, the
// interval arithmetic (each expected value computed by hand from the fixture's numbers),
// the rules, the findings and their next steps. The real-workload tests are in check.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { cpuPercents, measure, runDelayDelta, type Snapshot } from "./check-metrics.js";
import {
  classifyKmsg,
  parseDiskstats,
  parseFileNr,
  parseKeyValues,
  parseKmsgRecord,
  parseLoadavg,
  parseNetDev,
  parsePressure,
  parseProcStat,
  parseSchedstatCpus,
  parseSnmp,
  wholeDisk,
} from "./check-parse.js";
import { buildReport, nextSteps, renderJson, renderText } from "./check-report.js";
import { judge, ruleText, worst } from "./check-rules.js";
import { stateTotals, type ThreadRow, threadsBehind } from "./check-threads.js";

const STAT = (user: number, idle: number, iowait: number) =>
  `cpu  ${user} 0 100 ${idle} ${iowait} 0 0 0 0 0
cpu0 ${user / 2} 0 50 ${idle / 2} ${iowait / 2} 0 0 0 0 0
cpu1 ${user / 2} 0 50 ${idle / 2} ${iowait / 2} 0 0 0 0 0
intr 12345 0 0
ctxt 9999
procs_running 3
procs_blocked 1
`;

test("/proc/stat: every CPU line and procs_running/blocked; mpstat's percentages of the interval", () => {
  const a = parseProcStat(STAT(1000, 5000, 0));
  assert.deepEqual([...a.cpus.keys()], ["cpu", "cpu0", "cpu1"]);
  assert.equal(a.procsRunning, 3);
  assert.equal(a.procsBlocked, 1);
  const b = parseProcStat(STAT(1300, 5500, 200));
  // Δ: user 300, system 0, idle 500, iowait 200 → total 1000 jiffies.
  const p = cpuPercents(a.cpus.get("cpu")!, b.cpus.get("cpu")!);
  assert.equal(p.usr, 30);
  assert.equal(p.iowait, 20);
  assert.equal(p.idle, 50);
  assert.equal(p.busy, 30);
  assert.throws(() => parseProcStat("intr 1\n"), /no 'cpu' line/);
  assert.throws(() => parseProcStat("cpu 1 x 3\n"), /not a number/);
});

test("loadavg, pressure, vmstat/meminfo, file-nr, schedstat", () => {
  assert.deepEqual(parseLoadavg("2.02 1.45 2.40 4/124 25822\n"), {
    load1: 2.02,
    load5: 1.45,
    load15: 2.4,
    running: 4,
    threads: 124,
  });
  assert.throws(() => parseLoadavg("nonsense"), /loadavg/);
  const p = parsePressure(
    "some avg10=29.88 avg60=18.62 avg300=9.88 total=9692883080\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
  );
  assert.equal(p.some.totalUs, 9692883080);
  assert.equal(p.some.avg10, 29.88);
  assert.equal(p.full?.totalUs, 0);
  assert.equal(parsePressure("some avg10=1.00 avg60=0 avg300=0 total=5\n").full, undefined);
  assert.throws(() => parsePressure("full avg10=0 avg60=0 avg300=0 total=0"), /no 'some'/);
  const mem = parseKeyValues(
    "MemTotal:       24683520 kB\nMemAvailable:   23960000 kB\nHugePages_Total:       0\n",
  );
  assert.equal(mem.get("MemTotal"), 24683520);
  assert.equal(mem.get("HugePages_Total"), 0);
  assert.equal(parseKeyValues("oom_kill 74\npgscan_direct 0\n").get("oom_kill"), 74);
  assert.deepEqual(parseFileNr("689\t0\t2466112\n"), { allocated: 689, max: 2466112 });
  const ss = parseSchedstatCpus(
    "version 15\ntimestamp 4295\ncpu0 0 0 100 20 50 40 123456789 5000000 300\ndomain0 3 1 2 3\ncpu1 0 0 1 2 3 4 5 7000000 9\n",
  );
  assert.deepEqual(
    [...ss],
    [
      ["cpu0", 5000000],
      ["cpu1", 7000000],
    ],
  );
});

test("diskstats (17- and 20-field lines), net/dev, snmp + netstat", () => {
  const d = parseDiskstats(
    " 254       0 vda 65404484 26159 562926002 10886226 1383166 157615 752227128 741072 0 3290448 11722542 207720 191 95047584 79346 11055 15897\n" +
      "   7       0 loop0 1 0 2 0 0 0 0 0 0 4 0 0 0 0 0\n",
  );
  assert.equal(d.length, 2);
  assert.equal(d[0].name, "vda");
  assert.equal(d[0].reads, 65404484);
  assert.equal(d[0].writeSectors, 752227128);
  assert.equal(d[0].ioMs, 3290448);
  assert.equal(d[0].weightedMs, 11722542);
  assert.equal(d[0].flushes, 11055);
  assert.equal(d[1].flushes, 0);
  const n = parseNetDev(
    "Inter-|   Receive                                                |  Transmit\n" +
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n" +
      "    lo: 1665994    5779    0    0    0     0          0         0  1665994    5779    0    0    0     0       0          0\n" +
      "  eth0: 100 2 3 4 5 6 0 0 200 7 8 9 10 11 12 0\n",
  );
  assert.deepEqual(
    n.map((x) => x.name),
    ["lo", "eth0"],
  );
  assert.equal(n[1].rxErrs, 3);
  assert.equal(n[1].txBytes, 200);
  assert.equal(n[1].txCarrier, 12);
  const s = parseSnmp(
    "Tcp: RtoAlgorithm OutSegs RetransSegs\nTcp: 1 61187 46\nTcpExt: ListenOverflows ListenDrops\nTcpExt: 3 4\n",
  );
  assert.equal(s.get("Tcp.RetransSegs"), 46);
  assert.equal(s.get("TcpExt.ListenDrops"), 4);
  assert.throws(() => parseSnmp("Tcp: A B\nTcp: 1\n"), /differ/);
});

test("kernel log records: OOM kills, I/O errors (partition → disk), hung tasks; other lines ignored", () => {
  const r = parseKmsgRecord(
    "3,1234,26241366630,-;Memory cgroup out of memory: Killed process 29775 (stress-ng-vm) total-vm:251396kB, anon-rss:85504kB\n SUBSYSTEM=x\n",
  );
  assert.ok(r);
  assert.equal(r.priority, 3);
  assert.equal(r.seq, 1234);
  assert.equal(r.usSinceBoot, 26241366630);
  assert.deepEqual(classifyKmsg(r.message), { kind: "oom_kill", task: "stress-ng-vm (pid 29775)" });
  assert.deepEqual(classifyKmsg("Out of memory: Killed process 42 (java) total-vm:1kB"), {
    kind: "oom_kill",
    task: "java (pid 42)",
  });
  assert.deepEqual(
    classifyKmsg("I/O error, dev vda, sector 2048 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0"),
    {
      kind: "io_error",
      device: "vda",
    },
  );
  assert.equal(
    classifyKmsg("Buffer I/O error on dev sdb1, logical block 0, async page read")?.device,
    "sdb1",
  );
  assert.deepEqual(classifyKmsg("INFO: task kworker/0:1:123 blocked for more than 122 seconds."), {
    kind: "hung_task",
    task: "kworker/0:1 (pid 123)",
  });
  assert.equal(
    classifyKmsg("watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [spin:99]")?.kind,
    "soft_lockup",
  );
  assert.equal(classifyKmsg("virtio_net virtio0 eth0: link up"), null);
  assert.equal(parseKmsgRecord("garbage"), null);
  const disks = new Set(["vda", "nvme0n1", "sdb"]);
  assert.equal(wholeDisk("vda1", disks), "vda");
  assert.equal(wholeDisk("nvme0n1p3", disks), "nvme0n1");
  assert.equal(wholeDisk("sdb1", disks), "sdb");
  assert.equal(wholeDisk("sdc", disks), "sdc");
});

test("rules: thresholds, words, worst verdict", () => {
  assert.equal(judge("disk_util", 59.9), "ok");
  assert.equal(judge("disk_util", 60), "warn");
  assert.equal(judge("disk_util", 95), "bad");
  assert.equal(judge("cpu_util", 100), "warn"); // utilization alone is never bad: saturation is
  assert.equal(judge("disk_util", null), "n/a");
  assert.equal(ruleText("disk_util"), "warn ≥ 60%, bad ≥ 90% time busy");
  assert.equal(ruleText("mem_oom"), "bad ≥ 1 OOM kills");
  assert.equal(worst("ok", "n/a", "warn", "ok"), "warn");
  assert.equal(worst("bad", "warn"), "bad");
});

/** A snapshot from texts in the kernel's formats. */
function snap(
  atMs: number,
  o: {
    stat: string;
    disk: string;
    net?: string;
    vmstat?: string;
    psiCpu?: number;
    runDelay?: [number, number][];
    snmp?: string;
  },
): Snapshot {
  return {
    atMs,
    stat: parseProcStat(o.stat),
    loadavg: parseLoadavg("4.00 2.00 1.00 5/100 1\n"),
    pressure: { cpu: parsePressure(`some avg10=0 avg60=0 avg300=0 total=${o.psiCpu ?? 0}\n`) },
    vmstat: parseKeyValues(o.vmstat ?? "oom_kill 0\n"),
    meminfo: parseKeyValues(
      "MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 400 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n",
    ),
    disks: parseDiskstats(o.disk),
    net: parseNetDev(o.net ?? "  eth0: 0 1 0 0 0 0 0 0 0 1 0 0 0 0 0 0\n"),
    snmp: parseSnmp(o.snmp ?? "Tcp: CurrEstab OutSegs RetransSegs InErrs\nTcp: 1 0 0 0\n"),
    fileNr: { allocated: 950, max: 1000 },
    runDelayNs: new Map(o.runDelay ?? []),
    netSpeedMbps: new Map([["eth0", 1000]]),
  };
}

const disk = (reads: number, ioMs: number, weightedMs: number) =>
  ` 254 0 vda ${reads} 0 ${reads * 8} ${reads} 0 0 0 0 0 ${ioMs} ${weightedMs} 0 0 0 0 0 0\n`;

test("measure: disk %util, r/s and aqu-sz, CPU waiting threads, PSI, memory, fds, net, TCP over the interval", () => {
  const a = snap(1000, {
    stat: STAT(1000, 5000, 0),
    disk: disk(100, 1000, 2000),
    psiCpu: 0,
    runDelay: [
      [1, 5e9],
      [2, 1e9],
    ],
    net: "  eth0: 0 1 0 0 0 0 0 0 0 1 0 0 0 0 0 0\n",
    snmp: "Tcp: CurrEstab OutSegs RetransSegs InErrs\nTcp: 1 1000 0 0\n",
  });
  const b = snap(3000, {
    stat: STAT(1300, 5500, 200),
    disk: disk(300, 2900, 6000),
    psiCpu: 1_500_000,
    // tid 1 waited 2 s more, tid 2 left, tid 3 started and waited 1 s: 3 s waited in 2 s.
    runDelay: [
      [1, 7e9],
      [3, 1e9],
    ],
    net: "  eth0: 125000000 1001 4 0 0 0 0 0 0 1 0 0 0 0 0 0\n",
    snmp: "Tcp: CurrEstab OutSegs RetransSegs InErrs\nTcp: 1 2000 60 0\n",
  });
  const res = measure(a, b, { kmsg: [], states: { RUN: 2, RUNQ: 1.5, DISK: 0.5 } });
  const get = (name: string, kind: string) =>
    res.find((r) => r.name === name)!.metrics.find((m) => m.kind === kind)!;
  // Disk: 1900 ms busy of 2000 → 95%; 200 reads / 2 s; Σ in-flight 4000 ms / 2000 ms.
  assert.equal(get("disk vda", "utilization").value, 95);
  assert.equal(get("disk vda", "utilization").verdict, "bad");
  assert.equal(get("disk vda", "utilization").detail?.r_s, 100);
  assert.equal(get("disk vda", "saturation").value, 2);
  assert.equal(get("cpu", "saturation").detail?.waiting_threads, 1.5);
  assert.equal(get("cpu", "saturation").value, 0.75); // per CPU → bad
  assert.equal(get("cpu", "saturation").verdict, "bad");
  assert.equal(get("psi cpu", "saturation").value, 75); // 1.5 s of 2 s
  assert.equal(get("memory", "utilization").value, 60); // (1000 - 400) / 1000
  assert.equal(get("fds", "utilization").verdict, "bad"); // 95%
  assert.equal(get("net eth0", "utilization").value, 50); // 1e9 bit / 2 s of 1000 Mb/s
  assert.equal(get("net eth0", "errors").value, 2); // 4 errors / 2 s
  assert.equal(get("tcp", "errors").value, 6); // 60 of 1000 segments
  assert.equal(get("runqueue", "saturation").value, 2); // (2 + 1.5 + 0.5) / 2 CPUs
  assert.equal(get("swap", "utilization").verdict, "n/a");
  assert.equal(runDelayDelta(new Map([[1, 5]]), new Map([[1, 3]])), 0); // never negative
});

test("measure: listen drops count overflows once; conntrack judged where loaded, 'not loaded' otherwise", () => {
  const tcp = (drops: number, overflows: number) =>
    `Tcp: CurrEstab OutSegs RetransSegs InErrs\nTcp: 0 0 0 0\nTcpExt: ListenOverflows ListenDrops\nTcpExt: ${overflows} ${drops}\n`;
  const a = snap(0, { stat: STAT(1000, 5000, 0), disk: disk(1, 0, 0), snmp: tcp(10, 4) });
  const b = snap(1000, { stat: STAT(1000, 5100, 0), disk: disk(1, 0, 0), snmp: tcp(22, 13) });
  const res = measure(a, b, { kmsg: [], states: null });
  const get = (name: string, kind: string) =>
    res.find((r) => r.name === name)!.metrics.find((m) => m.kind === kind)!;
  // The kernel adds an overflow to both counters: 12 drops, 9 of them overflows (not 21).
  assert.equal(get("tcp", "saturation").value, 12);
  assert.deepEqual(get("tcp", "saturation").detail, { listen_drops: 12, listen_overflows: 9 });
  assert.equal(get("tcp", "saturation").verdict, "bad");
  assert.equal(get("conntrack", "utilization").verdict, "n/a");
  assert.match(get("conntrack", "utilization").text, /^not loaded/);
  b.conntrack = { count: 800, max: 1000 };
  const loaded = measure(a, b, { kmsg: [], states: null });
  const ct = loaded.find((r) => r.name === "conntrack")!.metrics[0];
  assert.equal(ct.value, 80);
  assert.equal(ct.verdict, "warn");
});

test("kernel log events: in the interval → bad, before it → warn; unreadable log → n/a", () => {
  const a = snap(0, { stat: STAT(1000, 5000, 0), disk: disk(1, 0, 0) });
  const b = snap(1000, { stat: STAT(1000, 5100, 0), disk: disk(1, 0, 0), vmstat: "oom_kill 0\n" });
  const ev = (inInterval: boolean) => ({
    kind: "oom_kill" as const,
    task: "hog (pid 7)",
    message: "",
    inInterval,
  });
  const mem = (kmsg: Parameters<typeof measure>[2]["kmsg"]) =>
    measure(a, b, { kmsg, states: null })
      .find((r) => r.name === "memory")!
      .metrics.find((m) => m.kind === "errors")!;
  assert.equal(mem([ev(true)]).verdict, "bad");
  assert.match(mem([ev(true)]).text, /hog \(pid 7\)/);
  assert.equal(mem([ev(false)]).verdict, "warn");
  assert.equal(mem(null).verdict, "n/a");
  assert.match(mem(null).text, /not readable/);
  const io = measure(a, b, {
    kmsg: [{ kind: "io_error", device: "vda", message: "", inInterval: true }],
    states: null,
  })
    .find((r) => r.name === "disk vda")!
    .metrics.find((m) => m.kind === "errors")!;
  assert.equal(io.verdict, "bad");
});

const ROWS: ThreadRow[] = [
  { pid: 10, comm: "hog", state: "RUN", syscall: "[running]", filename: null, avg_threads: 1.5 },
  { pid: 10, comm: "hog", state: "RUNQ", syscall: "[running]", filename: null, avg_threads: 1 },
  { pid: 20, comm: "fio", state: "DISK", syscall: "pread64", filename: "/data/f", avg_threads: 2 },
  { pid: 20, comm: "fio", state: "RUN", syscall: "[running]", filename: null, avg_threads: 0.2 },
  { pid: 30, comm: "tiny", state: "RUN", syscall: "[running]", filename: null, avg_threads: 0.01 },
];

test("threads behind a finding: CPU by process (RUN + RUNQ), disk by syscall and file", () => {
  assert.deepEqual(stateTotals(ROWS), { RUN: 1.71, RUNQ: 1, DISK: 2 });
  const cpu = threadsBehind(ROWS, ["RUN", "RUNQ"]);
  assert.deepEqual(
    cpu.map((b) => [b.pid, b.avg_threads]),
    [
      [10, 2.5],
      [20, 0.2],
    ],
  ); // pid 30 is under the 0.05 floor
  const disk = threadsBehind(ROWS, ["DISK"], { byFile: true });
  assert.deepEqual(disk, [
    { pid: 20, comm: "fio", avg_threads: 2, states: { DISK: 2 }, syscall: "pread64", filename: "/data/f" },
  ]);
});

test("next steps name the process behind, and tools this tsnap has (biolatency) or their fallback", () => {
  const f = { type: "disk" as const, resource: "disk vda", kind: "utilization" as const };
  const with_ = nextSteps(f, 20, new Set(["biolatency", "offcputime"]));
  assert.ok(with_.includes("tsnap top -g syscall,filename -p 20"), with_.join("\n"));
  assert.ok(with_.includes("tsnap biolatency -D 1 10"));
  assert.ok(with_.includes("tsnap offcputime -p 20 -f 10 | tsnap flame > offcpu.svg"));
  assert.ok(with_.includes("iostat -xz vda 1"));
  const without = nextSteps(f, undefined, new Set());
  assert.ok(without.includes("tsnap top --hist io -d 10"));
  assert.ok(without.includes("tsnap top -G syscall,filename -d 10"));
  const cpu = nextSteps({ type: "cpu", resource: "cpu", kind: "saturation" }, 10, new Set(["runqlat"]));
  assert.ok(cpu.includes("tsnap profile -p 10 -f 10 | tsnap flame > cpu.svg"));
  assert.ok(cpu.includes("tsnap runqlat 1 10"));
});

test("report: findings with their rule and threads, bad first; table and one-line JSON", () => {
  const a = snap(0, { stat: STAT(1000, 5000, 0), disk: disk(100, 1000, 2000) });
  const b = snap(2000, { stat: STAT(1300, 5500, 200), disk: disk(300, 2900, 6000) });
  const res = measure(a, b, { kmsg: [], states: stateTotals(ROWS) });
  const sample = { source: "bpf", hz: 10, rounds: 20, rows: ROWS, denied: {}, cpuUs: 1000 };
  const r = buildReport(
    Date.UTC(2026, 11, 2, 1, 2, 3),
    2,
    res,
    sample,
    ["/dev/kmsg: permission denied"],
    new Set(),
  );
  assert.equal(r.verdict, "bad");
  assert.equal(r.cpus, 2);
  const d = r.findings.find((f) => f.resource === "disk vda" && f.kind === "utilization")!;
  assert.equal(d.verdict, "bad");
  assert.equal(d.threads[0].filename, "/data/f");
  assert.equal(r.findings[0].verdict, "bad");
  const badIdx = r.findings.map((f) => f.verdict).lastIndexOf("bad");
  assert.ok(r.findings.slice(0, badIdx + 1).every((f) => f.verdict === "bad"));
  const text = renderText(r);
  assert.match(text, /disk vda\s+utilization\s+bad\s+95\.0% .*warn ≥ 60%, bad ≥ 90% time busy/);
  assert.match(text, /threads: 2\.00 threads of fio \(pid 20: DISK 2\.00\) in pread64 on \/data\/f/);
  assert.match(text, /NOT SEEN HERE:\n {2}\/dev\/kmsg: permission denied/);
  assert.match(text, /verdict: bad \(exit code 3\)/);
  const json = renderJson(r);
  assert.equal(json.split("\n").length, 2);
  assert.deepEqual(JSON.parse(json).findings.length, r.findings.length);
});
