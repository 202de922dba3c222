// What runqslower prints, in libbpf-tools' layout (runqslower.c): the header, one line per
// long wait (TIME, COMM, TID, LAT(us); with -P the task that ran before it), or one
// NDJSON object. Pure.
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import type { SlowWait } from "./runqslower-records.js";

export function header(minUs: number, previous: boolean): string {
  const cols = `${"TIME".padEnd(8)} ${"COMM".padEnd(16)} ${"TID".padEnd(6)} ${"LAT(us)".padStart(14)}`;
  return `Tracing run queue latency higher than ${minUs} us\n${cols}${previous ? ` ${"PREV COMM".padEnd(16)} ${"PREV TID".padEnd(6)}` : ""}\n`;
}

/** `at`: the wall time the task got its CPU. */
export function line(e: SlowWait, previous: boolean, at: Date): string {
  const us = Math.floor(e.waitNs / 1000);
  const base = `${hhmmss(at).padEnd(8)} ${e.comm.padEnd(16)} ${String(e.tid).padEnd(6)} ${String(us).padStart(14)}`;
  return `${base}${previous ? ` ${e.prevComm.padEnd(16)} ${String(e.prevTid).padEnd(6)}` : ""}\n`;
}

/** One wait as an NDJSON line; `time` is the wall clock when the task got its CPU. */
export function jsonLine(e: SlowWait, time: Date): string {
  return `${toJson({
    time: time.toISOString(),
    pid: e.pid,
    tid: e.tid,
    comm: e.comm,
    lat_us: Math.floor(e.waitNs / 1000),
    wait_ns: e.waitNs,
    cpu: e.cpu,
    prev_tid: e.prevTid,
    prev_comm: e.prevComm,
  })}\n`;
}
