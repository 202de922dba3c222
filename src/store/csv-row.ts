// CSV encoding of rows for the open hour's files, in the column order of schema.ts.
// Empty unquoted field = NULL; an empty string is written as "".
import type { IoEnd, Sample, SyscallEnd } from "../model/sample.js";
import { formatTimestampUs } from "./files.js";
import { TABLES, type TableName } from "./schema.js";

export type CellValue = string | number | bigint | boolean | null | undefined;

/** A string that must be quoted: separators, quotes, line breaks, or edge whitespace (trim's). */
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

export function csvField(v: CellValue): string {
  if (v === null || v === undefined) return "";
  if (typeof v !== "string") return String(v);
  if (v === "" || NEEDS_QUOTES.test(v)) return `"${v.replaceAll('"', '""')}"`;
  return v;
}

const COLUMN_NAMES = Object.fromEntries(
  Object.entries(TABLES).map(([t, d]) => [t, d.columns.map((c) => c.name)]),
) as Record<TableName, string[]>;

/** One CSV line (with newline) of `table` from a record keyed by column name. */
export function csvLine(table: TableName, rec: Record<string, CellValue>): string {
  const names = COLUMN_NAMES[table];
  let line = csvField(rec[names[0]]);
  for (let i = 1; i < names.length; i++) line += `,${csvField(rec[names[i]])}`;
  return `${line}\n`;
}

let lastUs = Number.NaN;
let lastText = "";
/** formatTimestampUs, remembered for the last value (every row of a round has the same). */
function timestampText(us: number): string {
  if (us !== lastUs) {
    lastText = formatTimestampUs(us);
    lastUs = us;
  }
  return lastText;
}

export function csvHeader(table: TableName): string {
  return `${TABLES[table].columns.map((col) => col.name).join(",")}\n`;
}

const hex = (v: bigint | undefined): string | null => (v === undefined ? null : v.toString(16));

/** The samples record for one Sample; hashes and cgroup id are resolved by the caller. */
export function sampleRecord(
  s: Sample,
  kstackHash: string | null,
  ustackHash: string | null,
  cgroupId: bigint | number | null,
): Record<string, CellValue> {
  const a = s.sysc_args;
  return {
    timestamp: timestampText(s.timestamp),
    weight_us: s.weight_us,
    tid: s.tid,
    tgid: s.tgid,
    ppid: s.ppid,
    pidns: s.pidns,
    cgroup_id: cgroupId,
    state: s.state,
    cpu: s.cpu,
    username: s.username,
    exe: s.exe,
    comm: s.comm,
    cmdline: s.cmdline,
    syscall: s.syscall,
    syscall_active: s.syscall_active ? s.syscall : "-",
    sysc_entry_ns: s.sysc_entry_time,
    sysc_ns_so_far: s.sysc_ns_so_far,
    sysc_seq_num: s.sysc_seq_num,
    iorq_seq_num: s.iorq_seq_num,
    sysc_arg1: a ? hex(a[0]) : null,
    sysc_arg2: a ? hex(a[1]) : null,
    sysc_arg3: a ? hex(a[2]) : null,
    sysc_arg4: a ? hex(a[3]) : null,
    sysc_arg5: a ? hex(a[4]) : null,
    sysc_arg6: a ? hex(a[5]) : null,
    filename: s.filename,
    connection: s.connection,
    conn_state: s.conn_state,
    wchan: s.wchan,
    kstack_hash: kstackHash,
    ustack_hash: ustackHash,
    utime: s.utime,
    stime: s.stime,
    read_bytes: s.read_bytes,
    write_bytes: s.write_bytes,
  };
}

/** ns since the epoch → CSV timestamp (µs precision). */
const nsTimestamp = (ns: bigint): string => formatTimestampUs(Number(ns / 1000n));

export function syscendRecord(e: SyscallEnd): Record<string, CellValue> {
  return {
    type: "SYSC_END",
    tid: e.tid,
    tgid: e.tgid,
    syscall_name: e.syscall,
    duration_ns: e.duration_ns,
    sysc_ret_val: e.ret,
    sysc_seq_num: e.sysc_seq_num,
    sysc_enter_time: nsTimestamp(e.enter_time_ns),
  };
}

export function iorqendRecord(e: IoEnd): Record<string, CellValue> {
  return {
    type: "IORQ_END",
    insert_tid: e.insert_tid,
    insert_tgid: e.insert_tgid,
    issue_tid: e.issue_tid,
    issue_tgid: e.issue_tgid,
    complete_tid: e.complete_tid,
    complete_tgid: e.complete_tgid,
    dev_maj: e.dev_maj,
    dev_min: e.dev_min,
    sector: e.sector,
    bytes: e.bytes,
    iorq_flags: String(e.iorq_flags),
    iorq_seq_num: e.iorq_seq_num,
    duration_ns: e.duration_ns,
    service_ns: e.service_ns,
    queued_ns: e.queued_ns,
    issue_timestamp: nsTimestamp(e.issue_time_ns),
    error: e.error,
  };
}
