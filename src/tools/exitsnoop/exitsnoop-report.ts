// What exitsnoop prints, in libbpf-tools' layout (exitsnoop.c): the header, one line per
// exit (a TIME(s) column of HH:MM:SS with -t, the age in seconds, "0", "code N" or
// "signal N (description)[, core dumped]"), or one NDJSON object. Pure.
import { strsignal } from "../../platform/signals.js";
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import type { ExitEvent } from "./exitsnoop-records.js";

export function header(timestamp: boolean): string {
  const t = timestamp ? `${"TIME(s)".padEnd(8)} ` : "";
  return `${t}${["PCOMM".padEnd(16), ..."PID PPID TID AGE(s)".split(" ").map((c) => c.padEnd(7))].join(" ")} EXIT_CODE\n`;
}

/** The EXIT_CODE column. */
export function exitText(e: ExitEvent): string {
  if (!e.signal && !e.coreDumped) return e.code ? `code ${e.code}` : "0";
  return (
    (e.signal ? `signal ${e.signal} (${strsignal(e.signal)})` : "") + (e.coreDumped ? ", core dumped" : "")
  );
}

/** `at`: the wall time of the exit. */
export function line(e: ExitEvent, timestamp: boolean, at: Date): string {
  const t = timestamp ? `${hhmmss(at).padStart(8)} ` : "";
  const cols = [e.pid, e.ppid, e.tid].map((n) => String(n).padEnd(7));
  return `${t}${e.comm.padEnd(16)} ${cols.join(" ")} ${e.ageS.toFixed(2).padEnd(7)} ${exitText(e)}\n`;
}

/** One exit as an NDJSON line; `time` is the wall clock of the exit. */
export function jsonLine(e: ExitEvent, time: Date): string {
  return `${toJson({
    time: time.toISOString(),
    pid: e.pid,
    ppid: e.ppid,
    tid: e.tid,
    comm: e.comm,
    age_s: Math.round(e.ageS * 1e6) / 1e6,
    code: e.code,
    signal: e.signal,
    core_dumped: e.coreDumped,
  })}\n`;
}
