// The USE method over one interval: two snapshots of the kernel's counters (taken by
// check-read.ts) become, per resource, its utilization, saturation and errors, each judged
// by a rule of check-rules.ts. Pure: snapshots in, resources out.
import type { CpuTimes, DiskStat, KmsgKind, LoadAvg, NetDev, Pressure, ProcStat } from "./check-parse.js";
import { judge, type RuleId, ruleText, type Verdict, worst } from "./check-rules.js";

/** The kernel's counters at one instant (what check-read.ts reads). */
export interface Snapshot {
  /** Monotonic ms (performance.now()) at which the reads were done. */
  atMs: number;
  stat: ProcStat;
  loadavg: LoadAvg;
  pressure: { cpu?: Pressure; memory?: Pressure; io?: Pressure };
  vmstat: Map<string, number>;
  meminfo: Map<string, number>;
  /** Whole disks only (no partitions), that have done I/O since boot. */
  disks: DiskStat[];
  net: NetDev[];
  /** /proc/net/snmp and /proc/net/netstat, keys "Tcp.RetransSegs", "TcpExt.ListenOverflows". */
  snmp: Map<string, number>;
  fileNr?: { allocated: number; max: number };
  conntrack?: { count: number; max: number };
  /** ns each thread (by tid) has waited on a run queue since it started (/proc/PID/task/TID/schedstat). */
  runDelayNs: Map<number, number>;
  /** /proc/schedstat per CPU run-queue wait, ns (CONFIG_SCHEDSTATS only). */
  cpuRunDelayNs?: Map<string, number>;
  /** Link speed in Mb/s, for interfaces that report one. */
  netSpeedMbps: Map<string, number>;
}

/** A kernel log event of the kinds check counts. */
export interface KernelEvent {
  kind: KmsgKind;
  device?: string;
  task?: string;
  message: string;
  /** Logged during the interval (else: in the hour before it). */
  inInterval: boolean;
}

/** What the interval adds to the two snapshots. */
export interface IntervalExtras {
  /** Kernel log events, or null when /dev/kmsg could not be read. */
  kmsg: KernelEvent[] | null;
  /** Average threads by state over the interval, from the thread sample; null without one. */
  states: { RUN: number; RUNQ: number; DISK: number } | null;
}

export type UseKind = "utilization" | "saturation" | "errors";

export interface Metric {
  kind: UseKind;
  /** The number the rule judged (null: not measured). */
  value: number | null;
  /** The value in words, with what else was measured beside it. */
  text: string;
  verdict: Verdict;
  /** The rule in words ("warn ≥ 60%, bad ≥ 90% time busy"), or why there is none. */
  rule: string;
  /** The numbers behind the text, for scripts (e.g. usr, sys, iowait; r_s, w_s, util). */
  detail?: Record<string, number>;
}

export type ResourceType =
  | "cpu"
  | "memory"
  | "swap"
  | "disk"
  | "net"
  | "runqueue"
  | "psi-cpu"
  | "psi-memory"
  | "psi-io"
  | "fds"
  | "tcp"
  | "conntrack";

export interface Resource {
  /** "cpu", "cpu0", "memory", "disk vda", "net eth0", "psi io", ... */
  name: string;
  type: ResourceType;
  metrics: Metric[];
  verdict: Verdict;
}

const NONE = (kind: UseKind, why = "-"): Metric => ({
  kind,
  value: null,
  text: why,
  verdict: "n/a",
  rule: "",
});

function metric(
  kind: UseKind,
  rule: RuleId,
  value: number | null,
  text: string,
  detail?: Record<string, number>,
): Metric {
  const m: Metric = { kind, value, text, verdict: judge(rule, value), rule: ruleText(rule) };
  if (detail)
    m.detail = Object.fromEntries(Object.entries(detail).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
  return m;
}

const r1 = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1));
const r2 = (v: number) => v.toFixed(2);

function resource(name: string, type: ResourceType, metrics: Metric[]): Resource {
  return { name, type, metrics, verdict: worst(...metrics.map((m) => m.verdict)) };
}

/** Per-cent of the interval's jiffies in each state of one CPU line (mpstat's arithmetic). */
export function cpuPercents(a: CpuTimes, b: CpuTimes) {
  const d = (k: keyof CpuTimes) => Math.max(0, b[k] - a[k]);
  const total = (Object.keys(b) as (keyof CpuTimes)[]).reduce((s, k) => s + d(k), 0);
  const p = (k: keyof CpuTimes) => (total > 0 ? (d(k) / total) * 100 : 0);
  const busy = total > 0 ? 100 - p("idle") - p("iowait") : 0;
  return {
    usr: p("user") + p("nice"),
    sys: p("system"),
    iowait: p("iowait"),
    irq: p("irq") + p("softirq"),
    steal: p("steal"),
    idle: p("idle"),
    busy,
  };
}

/** Σ over threads of the run-queue wait added during the interval, ns (new threads from 0). */
export function runDelayDelta(a: Map<number, number>, b: Map<number, number>): number {
  let sum = 0;
  for (const [tid, ns] of b) sum += Math.max(0, ns - (a.get(tid) ?? 0));
  return sum;
}

/** Per-cent of the interval some/full threads stalled, from PSI's totals. */
export function psiPercent(a: Pressure | undefined, b: Pressure | undefined, wallMs: number) {
  if (!a || !b) return null;
  const some = ((b.some.totalUs - a.some.totalUs) / 1000 / wallMs) * 100;
  const full = a.full && b.full ? ((b.full.totalUs - a.full.totalUs) / 1000 / wallMs) * 100 : null;
  return { some, full, avg10: b.some.avg10, avg60: b.some.avg60 };
}

const events = (x: IntervalExtras, kinds: KmsgKind[], device?: string) =>
  x.kmsg === null
    ? null
    : x.kmsg.filter((e) => kinds.includes(e.kind) && (device === undefined || e.device === device));

function errorsMetric(
  x: IntervalExtras,
  rule: RuleId,
  kinds: KmsgKind[],
  device?: string,
  extra = 0,
): Metric {
  const ev = events(x, kinds, device);
  if (ev === null && extra === 0) return NONE("errors", "kernel log not readable");
  const now = (ev ?? []).filter((e) => e.inInterval);
  const before = (ev ?? []).length - now.length;
  const n = Math.max(now.length, extra);
  const names = [...new Set(now.map((e) => e.task).filter(Boolean))].slice(0, 3).join(", ");
  const m = metric(
    "errors",
    rule,
    n,
    `${n}${names ? ` (${names})` : ""}${before ? `; ${before} in the hour before` : ""}`,
  );
  if (m.verdict === "ok" && before > 0) m.verdict = "warn";
  return m;
}

/** Every resource over the interval a → b. */
export function measure(a: Snapshot, b: Snapshot, x: IntervalExtras): Resource[] {
  const wallMs = b.atMs - a.atMs;
  const wallS = wallMs / 1000;
  const ncpu = Math.max(1, b.stat.cpus.size - 1);
  const out: Resource[] = [];
  const vm = (k: string) => Math.max(0, (b.vmstat.get(k) ?? 0) - (a.vmstat.get(k) ?? 0));

  // CPUs: all, then each.
  for (const [name, cur] of b.stat.cpus) {
    const prev = a.stat.cpus.get(name);
    if (!prev) continue;
    const p = cpuPercents(prev, cur);
    const all = name === "cpu";
    const u = metric(
      "utilization",
      all ? "cpu_util" : "cpu_one_util",
      p.busy,
      `${r1(p.busy)}% (usr ${r1(p.usr)} sys ${r1(p.sys)} irq ${r1(p.irq)} iowait ${r1(p.iowait)} steal ${r1(p.steal)})`,
      p,
    );
    let s: Metric;
    if (all) {
      const waiting = runDelayDelta(a.runDelayNs, b.runDelayNs) / 1e6 / wallMs;
      s = metric(
        "saturation",
        "cpu_wait",
        waiting / ncpu,
        `${r2(waiting)} threads waiting for a CPU (${r2(waiting / ncpu)} per CPU)`,
        { waiting_threads: waiting },
      );
    } else {
      const d0 = a.cpuRunDelayNs?.get(name);
      const d1 = b.cpuRunDelayNs?.get(name);
      s =
        d0 === undefined || d1 === undefined
          ? NONE("saturation", "per-CPU run queues need /proc/schedstat")
          : metric(
              "saturation",
              "cpu_one_wait",
              (d1 - d0) / 1e6 / wallMs,
              `${r2((d1 - d0) / 1e6 / wallMs)} threads waiting`,
            );
    }
    const e = all ? errorsMetric(x, "cpu_errors", ["soft_lockup", "hw_error"]) : NONE("errors");
    out.push(resource(name, "cpu", [u, s, e]));
  }

  // Memory and swap.
  const mem = (k: string) => b.meminfo.get(k) ?? 0;
  const memTotal = mem("MemTotal");
  const avail = b.meminfo.get("MemAvailable") ?? mem("MemFree") + mem("Cached");
  const usedPct = memTotal > 0 ? ((memTotal - avail) / memTotal) * 100 : null;
  const scans = vm("pgscan_direct") / wallS;
  const stalls = ["allocstall_normal", "allocstall_movable", "allocstall_dma32", "allocstall_dma"].reduce(
    (s, k) => s + vm(k),
    0,
  );
  const oomKills = vm("oom_kill");
  out.push(
    resource("memory", "memory", [
      metric(
        "utilization",
        "mem_util",
        usedPct,
        `${r1(usedPct ?? 0)}% (${gib(memTotal - avail)} of ${gib(memTotal)} GiB; ${gib(mem("MemFree"))} free)`,
      ),
      metric(
        "saturation",
        "mem_reclaim",
        scans,
        `${r1(scans)} pages/s scanned in direct reclaim (${stalls} stalls)`,
      ),
      errorsMetric(x, "mem_oom", ["oom_kill"], undefined, oomKills),
    ]),
  );
  const swapTotal = mem("SwapTotal");
  const swapIo = (vm("pswpin") + vm("pswpout")) / wallS;
  out.push(
    resource("swap", "swap", [
      swapTotal > 0
        ? metric(
            "utilization",
            "swap_util",
            ((swapTotal - mem("SwapFree")) / swapTotal) * 100,
            `${r1(((swapTotal - mem("SwapFree")) / swapTotal) * 100)}% of ${gib(swapTotal)} GiB`,
          )
        : NONE("utilization", "no swap"),
      metric(
        "saturation",
        "swap_io",
        swapIo,
        `${r1(vm("pswpin") / wallS)} in + ${r1(vm("pswpout") / wallS)} out pages/s`,
      ),
      NONE("errors"),
    ]),
  );

  // Disks.
  for (const d of b.disks) {
    const p = a.disks.find((q) => q.name === d.name);
    if (!p) continue;
    const dd = (k: keyof DiskStat) => Math.max(0, (d[k] as number) - (p[k] as number));
    const util = Math.min(100, (dd("ioMs") / wallMs) * 100);
    const rps = dd("reads") / wallS;
    const wps = dd("writes") / wallS;
    const aqu = dd("weightedMs") / wallMs;
    const rAwait = dd("reads") ? dd("readMs") / dd("reads") : 0;
    const wAwait = dd("writes") ? dd("writeMs") / dd("writes") : 0;
    out.push(
      resource(`disk ${d.name}`, "disk", [
        metric(
          "utilization",
          "disk_util",
          util,
          `${r1(util)}% (r/s ${r1(rps)} w/s ${r1(wps)} rkB/s ${r1(dd("readSectors") / 2 / wallS)} wkB/s ${r1(dd("writeSectors") / 2 / wallS)})`,
          {
            util,
            r_s: rps,
            w_s: wps,
            rkB_s: dd("readSectors") / 2 / wallS,
            wkB_s: dd("writeSectors") / 2 / wallS,
          },
        ),
        metric(
          "saturation",
          "disk_queue",
          aqu,
          `aqu-sz ${r2(aqu)} (r_await ${r2(rAwait)} ms, w_await ${r2(wAwait)} ms)`,
          { aqu_sz: aqu, r_await_ms: rAwait, w_await_ms: wAwait },
        ),
        errorsMetric(x, "disk_errors", ["io_error"], d.name),
      ]),
    );
  }

  // Network interfaces.
  for (const n of b.net) {
    const p = a.net.find((q) => q.name === n.name);
    if (!p || n.rxPackets + n.txPackets === 0) continue;
    const dn = (k: keyof NetDev) => Math.max(0, (n[k] as number) - (p[k] as number));
    const rxMbps = (dn("rxBytes") * 8) / 1e6 / wallS;
    const txMbps = (dn("txBytes") * 8) / 1e6 / wallS;
    const speed = b.netSpeedMbps.get(n.name);
    const tput = `rx ${r1(dn("rxBytes") / 1024 / wallS)} kB/s ${r1(dn("rxPackets") / wallS)} pk/s, tx ${r1(dn("txBytes") / 1024 / wallS)} kB/s ${r1(dn("txPackets") / wallS)} pk/s`;
    const netDetail: Record<string, number> = {
      rxkB_s: dn("rxBytes") / 1024 / wallS,
      txkB_s: dn("txBytes") / 1024 / wallS,
      rxpck_s: dn("rxPackets") / wallS,
      txpck_s: dn("txPackets") / wallS,
    };
    if (speed && speed > 0) {
      netDetail.speed_mbps = speed;
      netDetail.util = (Math.max(rxMbps, txMbps) / speed) * 100;
    }
    const u: Metric =
      speed && speed > 0
        ? metric(
            "utilization",
            "net_util",
            (Math.max(rxMbps, txMbps) / speed) * 100,
            `${r1((Math.max(rxMbps, txMbps) / speed) * 100)}% of ${speed} Mb/s (${tput})`,
            netDetail,
          )
        : {
            ...NONE("utilization"),
            text: `${tput}; link speed unknown`,
            rule: "no rule without a link speed",
            detail: metric("utilization", "net_util", 0, "", netDetail).detail,
          };
    const drops = (dn("rxDrop") + dn("txDrop") + dn("rxFifo") + dn("txFifo")) / wallS;
    const errs = (dn("rxErrs") + dn("txErrs") + dn("rxFrame") + dn("txCarrier") + dn("txColls")) / wallS;
    out.push(
      resource(`net ${n.name}`, "net", [
        u,
        metric(
          "saturation",
          "net_drops",
          drops,
          `${r1(drops)} drops/s (rx ${dn("rxDrop") + dn("rxFifo")}, tx ${dn("txDrop") + dn("txFifo")})`,
        ),
        metric(
          "errors",
          "net_errors",
          errs,
          `${r1(errs)} errors/s (rx ${dn("rxErrs") + dn("rxFrame")}, tx ${dn("txErrs") + dn("txCarrier") + dn("txColls")})`,
        ),
      ]),
    );
  }

  // Run queue: load averages and the thread sample's runnable + D threads.
  const l = b.loadavg;
  const st = x.states;
  const active = st ? st.RUN + st.RUNQ + st.DISK : null;
  out.push(
    resource("runqueue", "runqueue", [
      metric(
        "utilization",
        "load",
        l.load1 / ncpu,
        `load ${l.load1} ${l.load5} ${l.load15} (${r2(l.load1 / ncpu)} per CPU)`,
      ),
      st && active !== null
        ? metric(
            "saturation",
            "runnable",
            active / ncpu,
            `${r2(st.RUN + st.RUNQ)} runnable + ${r2(st.DISK)} in D = ${r2(active / ncpu)} per CPU (sampled)`,
          )
        : NONE("saturation", "no thread sample"),
      errorsMetric(x, "hung", ["hung_task"]),
    ]),
  );

  // PSI.
  for (const [kind, someRule, fullRule] of [
    ["cpu", "psi_cpu", null],
    ["memory", "psi_memory", "psi_memory_full"],
    ["io", "psi_io", "psi_io_full"],
  ] as const) {
    const p = psiPercent(a.pressure[kind], b.pressure[kind], wallMs);
    if (!p) {
      out.push(
        resource(`psi ${kind}`, `psi-${kind}`, [
          NONE("utilization"),
          NONE("saturation", "no /proc/pressure (PSI off)"),
          NONE("errors"),
        ]),
      );
      continue;
    }
    const some = metric(
      "saturation",
      someRule,
      p.some,
      `some ${r1(p.some)}%${p.full !== null ? ` full ${r1(p.full)}%` : ""} (avg10 ${p.avg10} avg60 ${p.avg60})`,
      p.full === null ? { some: p.some } : { some: p.some, full: p.full },
    );
    if (fullRule && p.full !== null) {
      const fv = judge(fullRule, p.full);
      if (worst(fv, some.verdict) !== some.verdict) some.verdict = fv;
      some.rule += `; ${ruleText(fullRule)}`;
    }
    out.push(resource(`psi ${kind}`, `psi-${kind}`, [NONE("utilization"), some, NONE("errors")]));
  }

  // File descriptors.
  if (b.fileNr) {
    const pct = (b.fileNr.allocated / b.fileNr.max) * 100;
    out.push(
      resource("fds", "fds", [
        metric("utilization", "fds", pct, `${r2(pct)}% (${b.fileNr.allocated} of ${b.fileNr.max})`),
        NONE("saturation"),
        NONE("errors"),
      ]),
    );
  }

  // TCP.
  const sn = (k: string) => Math.max(0, (b.snmp.get(k) ?? 0) - (a.snmp.get(k) ?? 0));
  if (b.snmp.has("Tcp.OutSegs")) {
    const out_ = sn("Tcp.OutSegs");
    const retrans = sn("Tcp.RetransSegs");
    // ListenDrops counts every SYN or handshake-ending ACK a listener dropped, accept-queue
    // overflows (ListenOverflows) among them (the kernel counts both for an overflow).
    const overflows = sn("TcpExt.ListenOverflows");
    const listen = Math.max(sn("TcpExt.ListenDrops"), overflows);
    const retransPct = out_ > 0 ? (retrans / out_) * 100 : 0;
    const e = metric(
      "errors",
      "tcp_retrans",
      out_ >= 100 ? retransPct : 0,
      `${r2(retransPct)}% retransmitted (${retrans} of ${out_} segments; ${sn("Tcp.InErrs")} bad segments in)`,
      { retrans_pct: retransPct, retrans_segs: retrans, out_segs: out_, in_errs: sn("Tcp.InErrs") },
    );
    if (out_ < 100 && retrans > 0) e.text += "; too few segments to judge";
    out.push(
      resource("tcp", "tcp", [
        {
          ...NONE("utilization"),
          text: `${b.snmp.get("Tcp.CurrEstab") ?? 0} established, ${r1(sn("Tcp.ActiveOpens") / wallS)} active + ${r1(sn("Tcp.PassiveOpens") / wallS)} passive opens/s`,
          rule: "no rule (information)",
        },
        metric(
          "saturation",
          "tcp_listen",
          listen,
          `${listen} connections dropped by listeners (${overflows} of them: accept queue full)`,
          { listen_drops: listen, listen_overflows: overflows },
        ),
        e,
      ]),
    );
  }

  if (b.conntrack) {
    const pct = (b.conntrack.count / b.conntrack.max) * 100;
    out.push(
      resource("conntrack", "conntrack", [
        metric("utilization", "conntrack", pct, `${r1(pct)}% (${b.conntrack.count} of ${b.conntrack.max})`, {
          count: b.conntrack.count,
          max: b.conntrack.max,
        }),
        NONE("saturation"),
        NONE("errors"),
      ]),
    );
  } else
    out.push(
      resource("conntrack", "conntrack", [
        NONE("utilization", "not loaded (no nf_conntrack: nothing to fill)"),
        NONE("saturation"),
        NONE("errors"),
      ]),
    );
  return out;
}

const gib = (kB: number) => (kB / 1024 / 1024).toFixed(1);
