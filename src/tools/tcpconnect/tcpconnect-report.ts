// What tcpconnect prints, in libbpf-tools' layout (tcpconnect.c): the header and one line
// per connect (TIME(s), UID and SPORT columns with -t, -U, -s), the -c table of counts, or
// NDJSON objects. Pure.
import { toJson } from "../../report/table.js";
import type { ConnectCount, ConnectEvent } from "./tcpconnect-records.js";

export interface ReportOptions {
  timestamp: boolean;
  printUid: boolean;
  sourcePort: boolean;
}

const cut = (s: string, n: number) => s.slice(0, n).padEnd(n);

export function header(o: ReportOptions): string {
  let h = "";
  if (o.timestamp) h += "TIME(s)".padEnd(9);
  if (o.printUid) h += "UID".padEnd(6);
  h += `${"PID".padEnd(6)} ${"COMM".padEnd(12)} ${"IP".padEnd(2)} ${"SADDR".padEnd(16)} ${"DADDR".padEnd(16)}`;
  if (o.sourcePort) h += ` ${"SPORT".padEnd(5)}`;
  return `${h} ${"DPORT".padEnd(5)}\n`;
}

/** `sinceS`: seconds since the first connect reported. */
export function line(e: ConnectEvent, o: ReportOptions, sinceS: number): string {
  let s = "";
  if (o.timestamp) s += sinceS.toFixed(3).padEnd(9);
  if (o.printUid) s += String(e.uid).padEnd(6);
  s += `${String(e.pid).padEnd(6)} ${cut(e.comm, 12)} ${String(e.ip).padEnd(2)} ${e.saddr.padEnd(16)} ${e.daddr.padEnd(16)}`;
  if (o.sourcePort) s += ` ${String(e.sport).padEnd(5)}`;
  return `${s} ${String(e.dport).padEnd(5)}\n`;
}

export function jsonLine(e: ConnectEvent, time: Date): string {
  return `${toJson({
    time: time.toISOString(),
    pid: e.pid,
    tid: e.tid,
    uid: e.uid,
    comm: e.comm,
    ip: e.ip,
    saddr: e.saddr,
    sport: e.sport,
    daddr: e.daddr,
    dport: e.dport,
    ret: e.ret,
  })}\n`;
}

/** IPv4 first, then IPv6 (as libbpf-tools prints its two maps), each by count, most first. */
export function sortCounts(rows: readonly ConnectCount[]): ConnectCount[] {
  return [...rows].sort((a, b) => a.ip - b.ip || b.connects - a.connects);
}

/** -c at the end: libbpf-tools' table (a blank line, then LADDR RADDR [LPORT] RPORT CONNECTS). */
export function countTable(rows: readonly ConnectCount[], sourcePort: boolean): string {
  let s = `\n${"LADDR".padEnd(25)} ${"RADDR".padEnd(25)}`;
  if (sourcePort) s += ` ${"LPORT".padEnd(20)}`;
  s += ` ${"RPORT".padEnd(20)} ${"CONNECTS".padEnd(10)}\n`;
  for (const r of sortCounts(rows)) {
    s += `${r.saddr.padEnd(25)} ${r.daddr.padEnd(25)}`;
    if (sourcePort) s += ` ${String(r.sport).padEnd(20)}`;
    s += ` ${String(r.dport).padEnd(20)} ${String(r.connects).padEnd(10)}\n`;
  }
  return s;
}

export function countJson(rows: readonly ConnectCount[], sourcePort: boolean): string {
  return sortCounts(rows)
    .map(
      (r) =>
        `${toJson({
          ip: r.ip,
          saddr: r.saddr,
          daddr: r.daddr,
          ...(sourcePort ? { sport: r.sport } : {}),
          dport: r.dport,
          connects: r.connects,
        })}\n`,
    )
    .join("");
}
