// What tcptop prints, in libbpf-tools' layout (tcptop.c): per interval the loadavg line,
// then the IPv4 rows under PID COMM LADDR RADDR RX_KB TX_KB and the IPv6 ones under a
// second header with wider address columns; or NDJSON objects. And the differences
// between two reads of the kernel's counters. Pure.
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import { decodeTraffic, type Traffic } from "./tcptop-records.js";

export type SortBy = "all" | "sent" | "received";

/** The bytes each (process, connection) moved since the previous read; `idle`: keys that moved none. */
export function trafficDeltas(
  prev: ReadonlyMap<string, Buffer>,
  now: readonly [Buffer, Buffer][],
): { rows: Traffic[]; idle: Buffer[] } {
  const rows: Traffic[] = [];
  const idle: Buffer[] = [];
  for (const [k, v] of now) {
    const t = decodeTraffic(k, v);
    const p = prev.get(k.toString("hex"));
    const before = p ? decodeTraffic(k, p) : { sent: 0, received: 0 };
    const d = { ...t, sent: t.sent - before.sent, received: t.received - before.received };
    if (d.sent > 0 || d.received > 0) rows.push(d);
    else idle.push(k);
  }
  return { rows, idle };
}

/** IPv4 first, then IPv6; within each, most bytes first (by `by`); at most `limit`. */
export function sortRows(rows: readonly Traffic[], by: SortBy, limit: number): Traffic[] {
  const key = (t: Traffic) => (by === "sent" ? t.sent : by === "received" ? t.received : t.sent + t.received);
  return [...rows].sort((a, b) => a.ip - b.ip || key(b) - key(a)).slice(0, limit);
}

/** libbpf-tools' PID column width: the length of /proc/sys/kernel/pid_max's number, at least 6. */
export function pidWidth(pidMax: string): number {
  return Math.max(6, pidMax.trim().length);
}

export interface TextOptions {
  /** /proc/loadavg's text; null with -S. */
  loadavg: string | null;
  pidWidth: number;
}

/** One report in libbpf-tools' layout. */
export function renderText(rows: readonly Traffic[], o: TextOptions, at: Date): string {
  let s = o.loadavg === null ? "" : `${hhmmss(at).padStart(8)} loadavg: ${o.loadavg}\n`;
  const head = (w: number, six: string) =>
    `${"PID".padEnd(o.pidWidth)} ${"COMM".padEnd(12)} ${`LADDR${six}`.padEnd(w)} ${`RADDR${six}`.padEnd(w)} ${"RX_KB".padStart(6)} ${"TX_KB".padStart(6)}\n`;
  s += head(21, "");
  let v6 = false;
  for (const r of rows) {
    const w = r.ip === 6 ? 51 : 21;
    if (r.ip === 6 && !v6) {
      s += `\n${head(51, "6")}`;
      v6 = true;
    }
    s += `${String(r.pid).padEnd(o.pidWidth)} ${r.comm.slice(0, 12).padEnd(12)} ${`${r.saddr}:${r.sport}`.padEnd(w)} ${`${r.daddr}:${r.dport}`.padEnd(w)} ${String(Math.floor(r.received / 1024)).padStart(6)} ${String(Math.floor(r.sent / 1024)).padStart(6)}\n`;
  }
  return `${s}\n`;
}

/** One line of `--format json` (tcptop and udptop): what the tests read back. */
export interface JsonTraffic {
  time: string;
  pid: number;
  comm: string;
  ip: number;
  laddr: string;
  lport: number;
  raddr: string;
  rport: number;
  rx_bytes: number;
  tx_bytes: number;
}

export function renderJson(rows: readonly Traffic[], at: Date): string {
  return rows
    .map(
      (r) =>
        `${toJson({
          time: at.toISOString(),
          pid: r.pid,
          comm: r.comm,
          ip: r.ip,
          laddr: r.saddr,
          lport: r.sport,
          raddr: r.daddr,
          rport: r.dport,
          rx_bytes: r.received,
          tx_bytes: r.sent,
        } satisfies JsonTraffic)}\n`,
    )
    .join("");
}
