// What opensnoop prints, in libbpf-tools' layout (opensnoop.c): the header, one line per
// open (TIME and UID columns with -T and -U, the FLAGS column in octal with -e), or one
// NDJSON object. Pure.
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import type { OpenEvent } from "./opensnoop-records.js";

export interface ReportOptions {
  time: boolean;
  printUid: boolean;
  extended: boolean;
}

export function header(o: ReportOptions): string {
  let h = "";
  if (o.time) h += `${"TIME".padEnd(8)} `;
  if (o.printUid) h += `${"UID".padEnd(7)} `;
  h += `${"PID".padEnd(6)} ${"COMM".padEnd(16)} ${"FD".padStart(3)} ${"ERR".padStart(3)} `;
  if (o.extended) h += `${"FLAGS".padEnd(8)} `;
  return `${h}PATH\n`;
}

/** The FD and ERR columns: fd and 0, or -1 and errno. */
export function fdErr(ret: number): [number, number] {
  return ret >= 0 ? [ret, 0] : [-1, -ret];
}

/** `wall`: the wall time of a kernel timestamp (asked only with -T: a Date per line costs). */
export function line(e: OpenEvent, o: ReportOptions, wall: (ns: bigint) => Date): string {
  let s = "";
  if (o.time) s += `${hhmmss(wall(e.ts)).padEnd(8)} `;
  if (o.printUid) s += `${String(e.uid).padEnd(7)} `;
  const [fd, err] = fdErr(e.ret);
  s += `${String(e.pid).padEnd(6)} ${e.comm.padEnd(16)} ${String(fd).padStart(3)} ${String(err).padStart(3)} `;
  if (o.extended) s += `${e.flags.toString(8).padStart(8, "0")} `;
  return `${s}${e.path}\n`;
}

/** One open as an NDJSON line; `time` is the wall clock of its return. */
export function jsonLine(e: OpenEvent, time: Date): string {
  const [fd, err] = fdErr(e.ret);
  return `${toJson({
    time: time.toISOString(),
    pid: e.pid,
    tid: e.tid,
    uid: e.uid,
    comm: e.comm,
    syscall: e.syscall,
    fd,
    err,
    flags: e.flags,
    mode: e.mode,
    path: e.path,
  })}\n`;
}
