// What biosnoop prints, in libbpf-tools' layout (biosnoop.c): the header, one line per
// I/O (TIME(s) since the first I/O, COMM cut to 14 characters, the disk's name, the
// kernel's rwbs letters, QUE(ms) with -Q, LAT(ms)), or one NDJSON object. Pure.
import { toJson } from "../../report/table.js";
import { flagsText, rwbs } from "../block-devices.js";
import type { IoEvent } from "./biosnoop-records.js";

export function header(queued: boolean): string {
  const h = `${"TIME(s)".padEnd(11)} ${"COMM".padEnd(14)} ${"PID".padEnd(7)} ${"DISK".padEnd(7)} ${"T".padEnd(4)} ${"SECTOR".padEnd(10)} ${"BYTES".padEnd(7)} `;
  return `${h}${queued ? `${"QUE(ms)".padStart(7)} ` : ""}${"LAT(ms)".padStart(7)}\n`;
}

const ms = (ns: number) => (ns / 1e6).toFixed(3).padStart(7);

/** `sinceS`: seconds since the first I/O printed; `disk`: the disk's name. */
export function line(e: IoEvent, queued: boolean, sinceS: number, disk: string): string {
  let s = `${sinceS.toFixed(6).padEnd(11)} ${e.comm.slice(0, 14).padEnd(14)} ${String(e.pid).padEnd(7)} `;
  s += `${disk.padEnd(7)} ${rwbs(e.flags).padEnd(4)} ${String(e.sector).padEnd(10)} ${String(e.bytes).padEnd(7)} `;
  if (queued) s += `${e.qdeltaNs === -1 ? "-1".padStart(7) : ms(e.qdeltaNs)} `;
  return `${s}${ms(e.deltaNs)}\n`;
}

/** One I/O as an NDJSON line; `time` is the wall clock of its completion. */
export function jsonLine(e: IoEvent, time: Date, disk: string): string {
  return `${toJson({
    time: time.toISOString(),
    pid: e.pid,
    comm: e.comm,
    disk,
    rwbs: rwbs(e.flags),
    flags: flagsText(e.flags),
    sector: Number(e.sector),
    bytes: e.bytes,
    ...(e.qdeltaNs >= 0 ? { queue_ns: e.qdeltaNs } : {}),
    latency_ns: e.deltaNs,
  })}\n`;
}
