// What tcptop prints, in libbpf-tools' layout (tcptop.c): per interval the loadavg line,
// then the IPv4 rows under PID COMM LADDR RADDR RX_KB TX_KB and the IPv6 ones under a
// second header with wider address columns; or NDJSON objects. Pure.
import { mostFirst, topJson, topRows, topText } from "../top-tool.js";
import type { Traffic } from "./tcptop-records.js";

/** -s: bytes both ways, sent or received; most first. */
const SORT_KEYS = {
  all: (t: Traffic) => t.sent + t.received,
  sent: (t: Traffic) => t.sent,
  received: (t: Traffic) => t.received,
};
export type SortBy = keyof typeof SORT_KEYS;
export const SORTS = Object.keys(SORT_KEYS) as SortBy[];

/** IPv4 first, then IPv6; within each, most bytes first (by `by`); at most `limit`. */
export function sortRows(rows: readonly Traffic[], by: SortBy, limit: number): Traffic[] {
  const most = mostFirst(SORT_KEYS[by]);
  return topRows(rows, (a, b) => a.ip - b.ip || most(a, b), limit);
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
  const head = (w: number, six: string) =>
    `${"PID".padEnd(o.pidWidth)} ${"COMM".padEnd(12)} ${`LADDR${six}`.padEnd(w)} ${`RADDR${six}`.padEnd(w)} ${"RX_KB".padStart(6)} ${"TX_KB".padStart(6)}\n`;
  let s = head(21, "");
  let v6 = false;
  for (const r of rows) {
    const w = r.ip === 6 ? 51 : 21;
    if (r.ip === 6 && !v6) {
      s += `\n${head(51, "6")}`;
      v6 = true;
    }
    s += `${String(r.pid).padEnd(o.pidWidth)} ${r.comm.slice(0, 12).padEnd(12)} ${`${r.saddr}:${r.sport}`.padEnd(w)} ${`${r.daddr}:${r.dport}`.padEnd(w)} ${String(Math.floor(r.received / 1024)).padStart(6)} ${String(Math.floor(r.sent / 1024)).padStart(6)}\n`;
  }
  return topText(o.loadavg, at, s);
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
  return topJson(
    rows,
    at,
    (r): Omit<JsonTraffic, "time"> => ({
      pid: r.pid,
      comm: r.comm,
      ip: r.ip,
      laddr: r.saddr,
      lport: r.sport,
      raddr: r.daddr,
      rport: r.dport,
      rx_bytes: r.received,
      tx_bytes: r.sent,
    }),
  );
}
