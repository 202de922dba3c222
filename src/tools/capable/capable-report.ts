// What capable prints, in libbpf-tools' layout (capable.c): the header and one line per
// check (with -x the TID and INSETID columns), or one NDJSON object. AUDIT and INSETID are
// options of the check the tracepoint does not carry: "-". Pure.
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import { type CapCheck, capName } from "./capable-records.js";

export function header(extra: boolean): string {
  const tid = extra ? ` ${"TID".padEnd(7)}` : "";
  const insetid = extra ? ` ${"INSETID".padEnd(7)}` : "";
  return `${"TIME".padEnd(8)} ${"UID".padEnd(5)} ${"PID".padEnd(7)}${tid} ${"COMM".padEnd(16)} ${"CAP".padEnd(7)} ${"NAME".padEnd(20)} ${"AUDIT".padEnd(7)} ${"VERDICT".padEnd(7)}${insetid}\n`;
}

export function verdict(e: CapCheck): "allow" | "deny" {
  return e.ret === 0 ? "allow" : "deny";
}

/** `at`: the wall time of the check. */
export function line(e: CapCheck, extra: boolean, at: Date): string {
  const tid = extra ? ` ${String(e.tid).padEnd(7)}` : "";
  const insetid = extra ? ` ${"-".padEnd(7)}` : "";
  return `${hhmmss(at).padEnd(8)} ${String(e.uid).padEnd(5)} ${String(e.pid).padEnd(7)}${tid} ${e.comm.padEnd(16)} ${String(e.cap).padEnd(7)} ${capName(e.cap).padEnd(20)} ${"-".padEnd(7)} ${verdict(e).padEnd(7)}${insetid}\n`;
}

export function jsonLine(e: CapCheck, at: Date): string {
  return `${toJson({
    time: at.toISOString(),
    uid: e.uid,
    pid: e.pid,
    tid: e.tid,
    comm: e.comm,
    cap: e.cap,
    name: capName(e.cap),
    verdict: verdict(e),
    ret: e.ret,
  })}\n`;
}
