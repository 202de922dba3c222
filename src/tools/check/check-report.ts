// From measured resources to findings (every warn or bad metric, with the threads behind it
// and what to run next), and the two ways of printing them: a table for a person, one JSON
// object for a script. Pure: `tools` (the commands this tsnap has) and `now` come in.
import type { Metric, Resource, ResourceType } from "./check-metrics.js";
import { type Verdict, worst } from "./check-rules.js";
import { type Behind, type ThreadSample, threadsBehind } from "./check-threads.js";

export interface Finding {
  resource: string;
  type: ResourceType;
  kind: Metric["kind"];
  verdict: "warn" | "bad";
  text: string;
  rule: string;
  /** The threads behind it (from the thread sample), most first. */
  threads: Behind[];
  /** What to run next, as commands. */
  next: string[];
}

export interface CheckReport {
  started_at: string;
  duration_s: number;
  cpus: number;
  /** The worst verdict of any metric. */
  verdict: Verdict;
  resources: Resource[];
  findings: Finding[];
  threads: ThreadSample | null;
  /** tsnap's own CPU seconds: opening the thread sampler (once), and over this window. */
  self: { open_cpu_s: number; window_cpu_s: number };
  /** What could not be seen here, and why. */
  unseen: string[];
}

/** Which thread states stand behind a resource type, and whether files matter. */
const BEHIND: Partial<Record<ResourceType, { states: string[]; byFile: boolean }>> = {
  cpu: { states: ["RUN", "RUNQ"], byFile: false },
  "psi-cpu": { states: ["RUN", "RUNQ"], byFile: false },
  runqueue: { states: ["RUN", "RUNQ", "DISK"], byFile: false },
  disk: { states: ["DISK"], byFile: true },
  "psi-io": { states: ["DISK"], byFile: true },
  memory: { states: ["DISK", "RUN", "RUNQ"], byFile: false },
  swap: { states: ["DISK", "RUN", "RUNQ"], byFile: false },
  "psi-memory": { states: ["DISK", "RUN", "RUNQ"], byFile: false },
};

/** Commands to run next for a finding; `pid` is the top process behind it, when there is one. */
export function nextSteps(
  f: Pick<Finding, "type" | "resource" | "kind">,
  pid: number | undefined,
  tools: ReadonlySet<string>,
): string[] {
  const p = pid === undefined ? "" : ` -p ${pid}`;
  const offcpu = pid === undefined ? [] : [`tsnap offcputime -p ${pid} -f 10 | tsnap flame > offcpu.svg`];
  const dev = f.resource.startsWith("disk ") ? f.resource.slice(5) : "";
  const iface = f.resource.startsWith("net ") ? f.resource.slice(4) : "";
  const cpuNext = [
    "tsnap top -g pid,comm,state -d 10",
    ...(pid === undefined
      ? []
      : [`tsnap profile -p ${pid} -f 10 | tsnap flame > cpu.svg`, `tsnap schedlat ${pid}`]),
    tools.has("runqlat") ? "tsnap runqlat 1 10" : "tsnap top --hist rq -d 10",
    "mpstat -P ALL 1",
  ];
  const diskNext = [
    pid === undefined ? "tsnap top -G syscall,filename -d 10" : `tsnap top -g syscall,filename${p}`,
    tools.has("biolatency") ? "tsnap biolatency -D 1 10" : "tsnap top --hist io -d 10",
    ...offcpu,
    `iostat -xz${dev ? ` ${dev}` : ""} 1`,
  ];
  switch (f.type) {
    case "cpu":
    case "psi-cpu":
      return cpuNext;
    case "runqueue":
      return f.kind === "errors" ? ["dmesg -T | grep -A20 'blocked for more than'", ...diskNext] : cpuNext;
    case "disk":
    case "psi-io":
      return f.kind === "errors"
        ? [`dmesg -T | grep -i 'I/O error'`, `iostat -xz${dev ? ` ${dev}` : ""} 1`]
        : diskNext;
    case "memory":
    case "swap":
    case "psi-memory":
      return [
        ...(f.kind === "errors" ? ["dmesg -T | grep -iE 'out of memory|killed process'"] : []),
        pid === undefined ? "tsnap top -G syscall,wchan -d 10" : `tsnap top -g state,syscall,wchan${p}`,
        ...offcpu,
        "vmstat 1",
        "free -m",
      ];
    case "net":
      return [`ip -s link show ${iface}`, "sar -n DEV,EDEV 1"];
    case "tcp":
      return f.kind === "saturation"
        ? [
            "ss -ltn   # Recv-Q against Send-Q (the backlog) of each listener",
            "nstat -az TcpExtListenOverflows TcpExtListenDrops",
          ]
        : [
            "ss -tin   # retrans per connection",
            "nstat -az TcpRetransSegs TcpExtTCPLostRetransmit",
            "sar -n TCP,ETCP 1",
          ];
    case "fds":
      return [
        "sysctl fs.file-nr fs.file-max",
        'for p in /proc/[0-9]*; do echo "$(ls $p/fd 2>/dev/null | wc -l) $p $(cat $p/comm 2>/dev/null)"; done | sort -rn | head',
      ];
    case "conntrack":
      return ["conntrack -S", "sysctl net.netfilter.nf_conntrack_count net.netfilter.nf_conntrack_max"];
  }
}

/** Every warn or bad metric as a finding, bad ones first. */
export function findingsOf(
  resources: readonly Resource[],
  sample: ThreadSample | null,
  tools: ReadonlySet<string>,
): Finding[] {
  const out: Finding[] = [];
  for (const r of resources)
    for (const m of r.metrics) {
      if (m.verdict !== "warn" && m.verdict !== "bad") continue;
      // Errors come from the kernel log (which names its tasks), the load average from
      // before the interval: the sampled threads are not behind them.
      const b =
        m.kind === "errors" || (r.type === "runqueue" && m.kind === "utilization")
          ? undefined
          : BEHIND[r.type];
      const threads = b && sample ? threadsBehind(sample.rows, b.states, { byFile: b.byFile }) : [];
      const f = {
        resource: r.name,
        type: r.type,
        kind: m.kind,
        verdict: m.verdict,
        text: m.text,
        rule: m.rule,
        threads,
      };
      out.push({ ...f, next: nextSteps(f, threads[0]?.pid, tools) });
    }
  return out.sort((a, b) => (a.verdict === b.verdict ? 0 : a.verdict === "bad" ? -1 : 1));
}

export function buildReport(
  startedAtMs: number,
  durationS: number,
  resources: Resource[],
  sample: ThreadSample | null,
  unseen: readonly string[],
  tools: ReadonlySet<string>,
  self: CheckReport["self"] = { open_cpu_s: 0, window_cpu_s: 0 },
): CheckReport {
  return {
    started_at: new Date(startedAtMs).toISOString(),
    duration_s: Math.round(durationS * 1000) / 1000,
    cpus: resources.filter((r) => /^cpu\d+$/.test(r.name)).length,
    verdict: worst(...resources.map((r) => r.verdict)),
    resources,
    findings: findingsOf(resources, sample, tools),
    threads: sample,
    self: { open_cpu_s: round3(self.open_cpu_s), window_cpu_s: round3(self.window_cpu_s) },
    unseen: [...unseen],
  };
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));

/** "2.00 stress-ng-cpu (pid 42: RUN 1.00, RUNQ 1.00)" or "... pread64 /data/f". */
export function behindText(b: Behind): string {
  const states = Object.entries(b.states)
    .sort((x, y) => y[1] - x[1])
    .map(([s, v]) => `${s} ${v.toFixed(2)}`)
    .join(", ");
  const where =
    b.syscall !== undefined ? ` in ${b.syscall ?? "-"}${b.filename ? ` on ${b.filename}` : ""}` : "";
  return `${b.avg_threads.toFixed(2)} threads of ${b.comm} (pid ${b.pid}: ${states})${where}`;
}

/** The table for a person. */
export function renderText(r: CheckReport): string {
  const lines: string[] = [];
  const t = r.threads;
  lines.push(
    `tsnap check: ${r.duration_s.toFixed(1)} s from ${r.started_at.replace("T", " ").replace(/\.\d+Z$/, " UTC")}, ${r.cpus} CPUs` +
      (t ? `; threads sampled at ${t.hz} Hz by the ${t.source} source (${t.rounds} rounds)` : ""),
    "",
  );
  const perCpu = r.cpus <= 8;
  const rows: string[][] = [];
  for (const res of r.resources) {
    if (/^cpu\d+$/.test(res.name) && !perCpu && (res.verdict === "ok" || res.verdict === "n/a")) continue;
    let first = true;
    for (const m of res.metrics) {
      if (m.verdict === "n/a" && m.text === "-") continue;
      rows.push([first ? res.name : "", m.kind, m.verdict === "n/a" ? "-" : m.verdict, m.text, m.rule]);
      first = false;
    }
  }
  const head = ["RESOURCE", "USE", "VERDICT", "VALUE", "RULE"];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (i < 4 ? row[i].length : 0))));
  const line = (row: string[]) =>
    row
      .map((c, i) => (i < 4 ? pad(c, w[i]) : c))
      .join("  ")
      .trimEnd();
  lines.push(line(head));
  for (const row of rows) lines.push(line(row));
  lines.push("");
  const nBad = r.findings.filter((f) => f.verdict === "bad").length;
  const nWarn = r.findings.length - nBad;
  if (r.findings.length === 0) lines.push("FINDINGS: none (every value within its rule)");
  else lines.push(`FINDINGS: ${nBad} bad, ${nWarn} warn`);
  let prevNext = "";
  for (const f of r.findings) {
    lines.push(`${pad(f.verdict, 4)} ${f.resource} ${f.kind}: ${f.text}`, `       rule: ${f.rule}`);
    f.threads.forEach((b, i) => {
      lines.push(`${i === 0 ? "    threads:" : "            "} ${behindText(b)}`);
    });
    if (prevNext === f.next.join("\n")) lines.push("       next: as above");
    else
      f.next.forEach((c, i) => {
        lines.push(`${i === 0 ? "       next:" : "            "} ${c}`);
      });
    prevNext = f.next.join("\n");
  }
  if (t) {
    const top = t.rows.slice(0, 5);
    lines.push("", `ACTIVE THREADS (avg over the interval, ${t.source} source): ${top.length ? "" : "none"}`);
    for (const row of top)
      lines.push(
        `  ${row.avg_threads.toFixed(2).padStart(6)}  ${pad(row.state, 5)} ${row.comm} (pid ${row.pid})${row.syscall && row.syscall !== "-" ? ` ${row.syscall}` : ""}${row.filename ? ` ${row.filename}` : ""}`,
      );
  }
  if (r.unseen.length) {
    lines.push("", "NOT SEEN HERE:");
    for (const u of r.unseen) lines.push(`  ${u}`);
  }
  lines.push(
    "",
    `verdict: ${r.verdict}${r.verdict === "bad" ? " (exit code 3)" : ""} | tsnap CPU: ${r.self.window_cpu_s.toFixed(3)} s over the window (${((r.self.window_cpu_s / r.duration_s) * 100).toFixed(1)}% of one CPU)` +
      (r.self.open_cpu_s > 0
        ? `, ${r.self.open_cpu_s.toFixed(3)} s to open the ${t?.source ?? ""} sampler`
        : ""),
  );
  return `${lines.join("\n")}\n`;
}

/** One JSON object (one line). */
export function renderJson(r: CheckReport): string {
  return `${JSON.stringify(r)}\n`;
}
