// What execsnoop prints, in libbpf-tools' layout (execsnoop.c): the header, one line per
// exec (TIME, TIME(s), UID columns with -T, -t, -U; each argument followed by a space,
// quoted with -q; " ..." when arguments were left out), or one NDJSON object. Pure.
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import type { ExecEvent } from "./execsnoop-records.js";

export interface ReportOptions {
  time: boolean;
  timestamp: boolean;
  printUid: boolean;
  quote: boolean;
}

export function header(o: ReportOptions): string {
  let h = "";
  if (o.time) h += "TIME".padEnd(9);
  if (o.timestamp) h += `${"TIME(s)".padEnd(8)} `;
  if (o.printUid) h += `${"UID".padEnd(6)} `;
  return `${h}${"PCOMM".padEnd(16)} ${"PID".padEnd(6)} ${"PPID".padEnd(6)} ${"RET".padStart(3)} ARGS\n`;
}

/** `quote`: bcc's -q, each argument in double quotes, inner quotes escaped. */
export function argsText(e: ExecEvent, quote: boolean): string {
  const q = (a: string) => (quote ? `"${a.replace(/"/g, '\\"')}"` : a);
  return e.args.map((a) => `${q(a)} `).join("") + (e.truncated ? " ..." : "");
}

/** `at`: the local time the line is printed; `sinceS`: seconds since tracing began. */
export function line(e: ExecEvent, o: ReportOptions, at: Date, sinceS: number): string {
  let s = "";
  if (o.time) s += `${hhmmss(at).padEnd(8)} `;
  if (o.timestamp) s += sinceS.toFixed(3).padEnd(8);
  if (o.printUid) s += String(e.uid).padEnd(6);
  s += `${e.comm.padEnd(16)} ${String(e.pid).padEnd(6)} ${String(e.ppid).padEnd(6)} ${String(e.ret).padStart(3)} `;
  return `${s}${argsText(e, o.quote)}\n`;
}

/** One exec as an NDJSON line; `time` is the wall clock of the exec's return. */
export function jsonLine(e: ExecEvent, time: Date): string {
  return `${toJson({
    time: time.toISOString(),
    pid: e.pid,
    ppid: e.ppid,
    uid: e.uid,
    comm: e.comm,
    ret: e.ret,
    args: e.args,
    truncated: e.truncated,
  })}\n`;
}

/** libbpf-tools' -n (the name contains NAME) and -l (some argument contains LINE). */
export function keep(e: ExecEvent, name: string | undefined, lineText: string | undefined): boolean {
  if (name !== undefined && !e.comm.includes(name)) return false;
  if (lineText !== undefined && !e.args.some((a) => a.includes(lineText))) return false;
  return true;
}
