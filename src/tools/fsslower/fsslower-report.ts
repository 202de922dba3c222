// What fsslower prints, in libbpf-tools' layout (fsslower.c): the "Tracing" line and the
// header, one line per slow operation (bcc's T letters R W O F, OFF_KB, LAT(ms)), or
// -c's CSV, or one NDJSON object. Without -t an FSTYPE column names each file's type. Pure.
import { toJson } from "../../report/table.js";
import { FS_OP_LETTERS, FS_OPS } from "../fs-ops.js";
import { hhmmss } from "../hist-tool.js";
import { SIZE_WHOLE_FILE, type SlowOp } from "./fsslower-records.js";

export interface ReportOptions {
  fsType?: string;
  minMs: number;
  /** Seconds (-d), Infinity: until Ctrl-C. */
  durationS: number;
  csv: boolean;
}

const letter = (e: SlowOp) => FS_OP_LETTERS[FS_OPS.indexOf(e.op)];

export function header(o: ReportOptions): string {
  if (o.csv) return "ENDTIME_ns,TASK,PID,TYPE,BYTES,OFFSET_b,LATENCY_us,FILE\n";
  const fs = o.fsType ?? "file";
  let h = o.minMs ? `Tracing ${fs} operations slower than ${o.minMs} ms` : `Tracing ${fs} operations`;
  h += Number.isFinite(o.durationS) ? ` for ${o.durationS} secs.\n` : "... Hit Ctrl-C to end.\n";
  const fsCol = o.fsType ? "" : `${"FSTYPE".padEnd(8)} `;
  return `${h}${"TIME".padEnd(8)} ${"COMM".padEnd(16)} ${"PID".padEnd(7)} T ${"BYTES".padEnd(7)} ${"OFF_KB".padEnd(8)} ${"LAT(ms)".padStart(7)} ${fsCol}FILENAME\n`;
}

const sizeText = (e: SlowOp) => (e.size === SIZE_WHOLE_FILE ? "LL_MAX" : String(e.size));

/** `at`: the wall time of the operation's return. */
export function line(e: SlowOp, o: ReportOptions, at: Date): string {
  if (o.csv) {
    const us = e.deltaNs / 1000n;
    return `${e.ts},${e.comm},${e.pid},${letter(e)},${sizeText(e)},${e.offset},${us},${e.file}\n`;
  }
  const ms = (Number(e.deltaNs / 1000n) / 1000).toFixed(2);
  const fsCol = o.fsType ? "" : `${e.fstype.padEnd(8)} `;
  return `${hhmmss(at).padEnd(8)} ${e.comm.padEnd(16)} ${String(e.pid).padEnd(7)} ${letter(e)} ${sizeText(e).padEnd(7)} ${String(e.offset / 1024n).padEnd(8)} ${ms.padStart(7)} ${fsCol}${e.file}\n`;
}

/** One operation as an NDJSON line; `time` is the wall clock of its return. */
export function jsonLine(e: SlowOp, time: Date): string {
  return `${toJson({
    time: time.toISOString(),
    pid: e.pid,
    tid: e.tid,
    comm: e.comm,
    operation: e.op,
    fstype: e.fstype,
    bytes: e.size === SIZE_WHOLE_FILE ? null : Number(e.size),
    offset: Number(e.offset),
    latency_us: Number(e.deltaNs) / 1000,
    file: e.file,
  })}\n`;
}
