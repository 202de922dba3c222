// The rules `tsnap check` judges by: one line per rule, with the thresholds at which a
// value is warn and bad, and the words printed beside every value. Pure data + judge().
// Thresholds follow Brendan Gregg's USE method checklists where he gives one (any
// saturation or error is worth a look; utilization is a problem near 100%, or from 60-70%
// for disks and links where queueing grows), and PSI's own guidance otherwise.

export type Verdict = "ok" | "warn" | "bad" | "n/a";

export interface Rule {
  /** Value at which the verdict is warn (value >= warn); Infinity: never. */
  warn: number;
  /** Value at which the verdict is bad; Infinity: never. */
  bad: number;
  /** The unit printed after the thresholds. */
  unit: string;
  /** What is compared, when it is not plain from the metric ("per CPU", "of OutSegs"). */
  of?: string;
}

export const RULES = {
  cpu_util: { warn: 90, bad: Infinity, unit: "%" },
  cpu_one_util: { warn: 95, bad: Infinity, unit: "%" },
  cpu_wait: { warn: 0.1, bad: 0.5, unit: " threads", of: "waiting for a CPU, per CPU" },
  cpu_one_wait: { warn: 0.25, bad: 1, unit: " threads", of: "waiting" },
  cpu_errors: { warn: Infinity, bad: 1, unit: "", of: "soft lockups, RCU stalls, machine checks" },
  mem_util: { warn: 85, bad: 95, unit: "%", of: "of MemTotal not available" },
  mem_reclaim: { warn: 1, bad: 1000, unit: " pages/s", of: "direct-reclaim scans" },
  mem_oom: { warn: Infinity, bad: 1, unit: "", of: "OOM kills" },
  swap_util: { warn: 50, bad: 90, unit: "%" },
  swap_io: { warn: 1, bad: 1000, unit: " pages/s", of: "swapped in + out" },
  disk_util: { warn: 60, bad: 90, unit: "%", of: "time busy" },
  disk_queue: { warn: 4, bad: 16, unit: "", of: "aqu-sz" },
  disk_errors: { warn: Infinity, bad: 1, unit: "", of: "I/O errors in the kernel log" },
  net_util: { warn: 70, bad: 90, unit: "%", of: "of link speed, rx or tx" },
  net_drops: { warn: 1, bad: 100, unit: "/s", of: "packets dropped" },
  net_errors: { warn: 1, bad: 10, unit: "/s", of: "errors (rx, tx, frame, carrier, collisions)" },
  load: { warn: 1, bad: Infinity, unit: "", of: "1-min load per CPU (includes time before the check)" },
  runnable: { warn: 1, bad: 1.5, unit: "", of: "threads running, runnable or in D, per CPU" },
  hung: { warn: Infinity, bad: 1, unit: "", of: "hung tasks in the kernel log" },
  psi_cpu: { warn: 10, bad: 50, unit: "%", of: "of time some thread waited for a CPU" },
  psi_memory: { warn: 1, bad: 10, unit: "%", of: "of time some thread stalled on memory" },
  psi_memory_full: { warn: 1, bad: 5, unit: "%", of: "of time all non-idle threads stalled on memory" },
  psi_io: { warn: 10, bad: 50, unit: "%", of: "of time some thread waited for I/O" },
  psi_io_full: { warn: 5, bad: 20, unit: "%", of: "of time all non-idle threads waited for I/O" },
  fds: { warn: 70, bad: 90, unit: "%", of: "of fs.file-max" },
  tcp_listen: { warn: 1, bad: 10, unit: "", of: "connections dropped by listeners (TcpExt ListenDrops)" },
  tcp_retrans: { warn: 1, bad: 5, unit: "%", of: "of segments sent, retransmitted (≥ 100 sent)" },
  conntrack: { warn: 70, bad: 90, unit: "%", of: "of nf_conntrack_max" },
} as const satisfies Record<string, Rule>;

export type RuleId = keyof typeof RULES;

/** The words of a rule: "warn ≥ 90%", "warn ≥ 0.1, bad ≥ 0.5 threads waiting for a CPU, per CPU". */
export function ruleText(id: RuleId): string {
  const r: Rule = RULES[id];
  const parts: string[] = [];
  if (r.warn !== Number.POSITIVE_INFINITY && r.warn !== r.bad) parts.push(`warn ≥ ${r.warn}${r.unit}`);
  if (r.bad !== Number.POSITIVE_INFINITY) parts.push(`bad ≥ ${r.bad}${r.unit}`);
  return parts.join(", ") + (r.of ? ` ${r.of}` : "");
}

/** The verdict of a value under a rule; null (not measured) is n/a. */
export function judge(id: RuleId, value: number | null): Verdict {
  if (value === null || !Number.isFinite(value)) return "n/a";
  const r: Rule = RULES[id];
  if (value >= r.bad) return "bad";
  if (value >= r.warn) return "warn";
  return "ok";
}

const ORDER: Record<Verdict, number> = { "n/a": 0, ok: 1, warn: 2, bad: 3 };

/** The worse of verdicts (bad > warn > ok > n/a). */
export function worst(...vs: Verdict[]): Verdict {
  return vs.reduce<Verdict>((a, b) => (ORDER[b] > ORDER[a] ? b : a), "n/a");
}
