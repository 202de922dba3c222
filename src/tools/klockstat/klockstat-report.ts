// What klockstat prints, in libbpf-tools' layout (klockstat.c): the "Wait" table, one row
// per caller (the first kernel frame outside the lock code), lock address (-A) or thread
// (-P), sorted by max, count or total wait; or NDJSON objects. And the pure pieces under
// it: the caller of a stack taken inside the lock code, libbpf-tools' time format, and
// kernel symbols by address or name from /proc/kallsyms' text. Pure.
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import { type By, type LockStat, lockKinds } from "./klockstat-records.js";

export type SortBy = "max" | "count" | "total";

/** A row with what user space resolved: the caller's frames (leaf first), the lock's symbol. */
export interface Row extends LockStat {
  /** By caller: frames from the caller of the lock function outwards ("func+0xoff"); [] when the stack was missed. */
  frames: string[];
  /** The kernel symbol at the lock's address (static locks: cgroup_mutex, ...), or null. */
  lockName: string | null;
}

/** Frames of the lock implementation, which a stack taken at lock:contention_begin starts with. */
const LOCK_FRAME =
  /^(_raw_(spin|read|write)_\w+|queued_(spin|read|write)_lock_slowpath|native_queued_spin_lock_slowpath|__pv_queued_spin_lock_slowpath|do_raw_\w+|mutex_(lock|trylock)\w*|__mutex_\w+|mutex_optimistic_spin|osq_lock|ww_mutex_\w+|__ww_mutex_\w+|rwsem_\w+|__rwsem_\w+|down_(read|write)\w*|__down_(read|write)\w*|down\b|down_(interruptible|killable|timeout)|__down\w*|percpu_down_\w+|__percpu_down_\w+|percpu_rwsem_\w+|rt_mutex\w*|__rt_mutex\w*|rt_spin_\w+|rtlock_\w+|rwbase_\w+|__rwbase_\w+|lock_sock_nested|__lock_sock)[.+]/;

/** The stack from the caller of the lock function on (libbpf-tools' bt[0] is that caller). Pure. */
export function callerFrames(frames: readonly string[]): string[] {
  let i = 0;
  while (i < frames.length - 1 && LOCK_FRAME.test(frames[i])) i++;
  return frames.slice(i);
}

/** libbpf-tools' time cell: "812 ns", "3.4 us", "81.4 ms", "1.1 s ", "2.0 m ". Pure. */
export function waitTime(ns: number): string {
  const units: [number, string][] = [
    [1e9 * 3600, "h "],
    [1e9 * 60, "m "],
    [1e9, "s "],
    [1e6, "ms"],
    [1e3, "us"],
  ];
  for (const [base, unit] of units) if (ns >= base) return `${(ns / base).toFixed(1)} ${unit}`;
  return `${Math.trunc(ns)} ns`;
}

/** Most first by the sort field; then at most `limit` rows (-n). Pure. */
export function sortRows<T extends LockStat>(rows: readonly T[], by: SortBy, limit: number): T[] {
  const key = (r: LockStat) => (by === "count" ? r.count : by === "total" ? r.totalNs : r.maxNs);
  return [...rows].sort((a, b) => key(b) - key(a)).slice(0, limit);
}

/** -c: rows whose caller's function starts with `prefix` (a missed stack passes, as in libbpf-tools). Pure. */
export function callerMatches(row: Row, prefix: string | undefined): boolean {
  if (!prefix || row.frames.length === 0) return true;
  return row.frames[0].startsWith(prefix);
}

export const hexAddr = (a: bigint): string => `0x${a.toString(16)}`;

export interface TextOptions {
  by: By;
  /** -s: stack entries per caller row; more than 1 also prints who waited longest. */
  stacks: number;
  timestamp: boolean;
}

function head(by: By): string {
  const label =
    by === "thread"
      ? "                Tid              Comm"
      : by === "lock"
        ? "                                 Lock"
        : "                               Caller";
  return `\n${label}  Avg Wait    Count   Max Wait   Total Wait\n`;
}

function firstCell(r: Row, by: By): string {
  if (by === "thread") return `${r.tid}  ${r.maxComm.padStart(16)}`;
  if (by === "lock") return r.lockName ?? hexAddr(r.lock);
  return r.frames[0] ?? "Unknown";
}

/** One report in libbpf-tools' layout (its Wait table; hold times are not measurable here). */
export function renderText(rows: readonly Row[], o: TextOptions, at: Date): string {
  let s = `\n${o.timestamp ? `${hhmmss(at).padEnd(8)}\n` : ""}`;
  rows.forEach((r, i) => {
    if (i === 0 || o.stacks > 1) s += head(o.by);
    s += `${firstCell(r, o.by).padStart(37)} ${waitTime(r.totalNs / r.count).padStart(9)} ${String(r.count).padStart(8)} ${waitTime(r.maxNs).padStart(10)} ${waitTime(r.totalNs).padStart(12)}\n`;
    if (o.by === "caller" && o.stacks > 1) {
      for (const f of r.frames.slice(1, o.stacks)) s += `${f.padStart(37)}\n`;
      s += `                              Max PID ${r.maxPid}, COMM ${r.maxComm}, Lock ${r.lockName ?? "no-ksym"} (${hexAddr(r.maxLock)})\n`;
    }
  });
  return s;
}

/** One NDJSON object per row. */
export function renderJson(rows: readonly Row[], by: By, at: Date): string {
  return rows
    .map(
      (r) =>
        `${toJson({
          time: at.toISOString(),
          ...(by === "caller" ? { caller: r.frames[0] ?? null, stack: r.frames } : {}),
          ...(by === "lock" ? { lock: hexAddr(r.lock), lock_name: r.lockName } : {}),
          ...(by === "thread" ? { tid: r.tid, comm: r.maxComm } : {}),
          kinds: lockKinds(r.flags),
          count: r.count,
          avg_ns: Math.round(r.totalNs / r.count),
          max_ns: r.maxNs,
          total_ns: r.totalNs,
          max_pid: r.maxPid,
          max_tid: r.maxTid,
          max_comm: r.maxComm,
          max_lock: hexAddr(r.maxLock),
        })}\n`,
    )
    .join("");
}

/** The symbols of /proc/kallsyms' text at exactly these addresses (locks in kernel data). Pure. */
export function symbolsAt(kallsyms: string, addrs: ReadonlySet<bigint>): Map<bigint, string> {
  const out = new Map<bigint, string>();
  if (addrs.size === 0) return out;
  const hex = new Map([...addrs].map((a) => [a.toString(16).padStart(16, "0"), a]));
  for (const line of kallsyms.split("\n")) {
    const a = hex.get(line.slice(0, 16));
    if (a !== undefined && !out.has(a)) out.set(a, line.split(/\s+/)[2]);
  }
  return out;
}

/** The address of a kernel symbol by exact name (-L cgroup_mutex), or undefined. Pure. */
export function symbolAddress(kallsyms: string, name: string): bigint | undefined {
  const m = kallsyms.match(new RegExp(`^([0-9a-f]{16}) \\w ${name.replace(/[^\w.]/g, "\\$&")}(\\s|$)`, "m"));
  return m ? BigInt(`0x${m[1]}`) : undefined;
}
