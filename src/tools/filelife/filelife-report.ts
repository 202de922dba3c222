// What filelife prints, in libbpf-tools' layout (filelife.c): the header and one line per
// file removed (the wall clock of the removal, the remover, the age in seconds to the
// hundredth, the file's name), or one NDJSON object. Pure.
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import type { FileDeath } from "./filelife-records.js";

export const HEADER = `${"TIME".padEnd(8)} ${"PID".padEnd(6)} ${"COMM".padEnd(16)} ${"AGE(s)".padEnd(7)} FILE\n`;

/** `at`: the wall time of the removal. */
export function line(e: FileDeath, at: Date): string {
  const age = (Number(e.ageNs) / 1e9).toFixed(2);
  return `${hhmmss(at).padEnd(8)} ${String(e.pid).padEnd(6)} ${e.comm.padEnd(16)} ${age.padEnd(7)} ${e.name}\n`;
}

export function jsonLine(e: FileDeath, at: Date): string {
  return `${toJson({
    time: at.toISOString(),
    pid: e.pid,
    comm: e.comm,
    creator_pid: e.creator,
    age_s: Number(e.ageNs) / 1e9,
    file: e.name,
  })}\n`;
}
