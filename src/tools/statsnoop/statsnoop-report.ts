// What statsnoop prints, in libbpf-tools' layout (statsnoop.c): the header, one line per
// call (a TIME(s) column with -t: seconds since the first call listed, to the ns; RET -1
// and ERR the errno for a failure), or one NDJSON object. Pure.
import { toJson } from "../../report/table.js";
import { fdErr } from "../opensnoop/opensnoop-report.js";
import type { StatEvent } from "./statsnoop-records.js";

export function header(timestamp: boolean): string {
  const t = timestamp ? `${"TIME(s)".padEnd(14)} ` : "";
  return `${t}${"PID".padEnd(7)} ${"COMM".padEnd(20)} ${"RET".padEnd(4)} ${"ERR".padEnd(4)} PATH\n`;
}

/** `sinceFirstS`: seconds since the first call listed (libbpf-tools' TIME(s)), with -t. */
export function line(e: StatEvent, sinceFirstS: number | undefined): string {
  const t = sinceFirstS === undefined ? "" : `${sinceFirstS.toFixed(9).padEnd(14)} `;
  const [ret, err] = fdErr(e.ret);
  return `${t}${String(e.pid).padEnd(7)} ${e.comm.padEnd(20)} ${String(ret).padEnd(4)} ${String(err).padEnd(4)} ${e.path}\n`;
}

/** One call as an NDJSON line; `time` is the wall clock of its return. */
export function jsonLine(e: StatEvent, time: Date): string {
  const [ret, err] = fdErr(e.ret);
  return `${toJson({
    time: time.toISOString(),
    pid: e.pid,
    tid: e.tid,
    comm: e.comm,
    syscall: e.syscall,
    ret,
    err,
    path: e.path,
  })}\n`;
}
