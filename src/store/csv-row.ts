// CSV encoding of rows for the open hour's files, in the column order of schema.ts.
// Empty unquoted field = NULL; an empty string is written as "".

import type { IoEnd, Sample, SyscallEnd } from "../model/sample.js";
import { hexText } from "../platform/values.js";
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

/** What the store resolves per sample: dictionary hashes and the cgroup id. */
interface SampleRefs {
  kh: string | null;
  uh: string | null;
  cg: bigint | number | null;
}

const arg = (i: number) => (s: Sample) => (s.sysc_args ? hexText(s.sysc_args[i], "") : null);

/** Every samples column's value, by column name (checked against the schema below). */
const SAMPLE_CELLS: Record<string, (s: Sample, r: SampleRefs) => CellValue> = {
  timestamp: (s) => timestampText(s.timestamp),
  weight_us: (s) => s.weight_us,
  tid: (s) => s.tid,
  tgid: (s) => s.tgid,
  ppid: (s) => s.ppid,
  pidns: (s) => s.pidns,
  cgroup_id: (_s, r) => r.cg,
  state: (s) => s.state,
  cpu: (s) => s.cpu,
  username: (s) => s.username,
  exe: (s) => s.exe,
  comm: (s) => s.comm,
  cmdline: (s) => s.cmdline,
  syscall: (s) => s.syscall,
  syscall_active: (s) => s.syscall_active,
  sysc_entry_ns: (s) => s.sysc_entry_ns,
  sysc_ns_so_far: (s) => s.sysc_ns_so_far,
  sysc_seq_num: (s) => s.sysc_seq_num,
  iorq_seq_num: (s) => s.iorq_seq_num,
  sysc_arg1: arg(0),
  sysc_arg2: arg(1),
  sysc_arg3: arg(2),
  sysc_arg4: arg(3),
  sysc_arg5: arg(4),
  sysc_arg6: arg(5),
  filename: (s) => s.filename,
  connection: (s) => s.connection,
  conn_state: (s) => s.conn_state,
  wchan: (s) => s.wchan,
  kstack_hash: (_s, r) => r.kh,
  ustack_hash: (_s, r) => r.uh,
  utime: (s) => s.utime,
  stime: (s) => s.stime,
  read_bytes: (s) => s.read_bytes,
  write_bytes: (s) => s.write_bytes,
};

/** The getters in the schema's column order; a column without one fails at load. */
const SAMPLE_GETTERS = COLUMN_NAMES.samples.map((name) => {
  const get = SAMPLE_CELLS[name];
  if (get === undefined) throw new Error(`csv-row: no value for samples column ${name}`);
  return get;
});

/** Every samples cell of a Sample as a record keyed by column name (the reference encoding). */
export function sampleRecord(
  s: Sample,
  kstackHash: string | null,
  ustackHash: string | null,
  cgroupId: bigint | number | null,
): Record<string, CellValue> {
  const refs = { kh: kstackHash, uh: ustackHash, cg: cgroupId };
  const rec: Record<string, CellValue> = {};
  COLUMN_NAMES.samples.forEach((name, i) => {
    rec[name] = SAMPLE_GETTERS[i](s, refs);
  });
  return rec;
}

/** The columns sampleCsvLine writes, in its order (checked against the schema at load). */
const SAMPLE_LINE_COLUMNS =
  "timestamp,weight_us,tid,tgid,ppid,pidns,cgroup_id,state,cpu,username,exe,comm,cmdline,syscall,syscall_active,sysc_entry_ns,sysc_ns_so_far,sysc_seq_num,iorq_seq_num,sysc_arg1,sysc_arg2,sysc_arg3,sysc_arg4,sysc_arg5,sysc_arg6,filename,connection,conn_state,wchan,kstack_hash,ustack_hash,utime,stime,read_bytes,write_bytes";
if (COLUMN_NAMES.samples.join() !== SAMPLE_LINE_COLUMNS)
  throw new Error("csv-row: sampleCsvLine's columns differ from schema.ts");

/** csvField of strings seen before: comm, exe, cmdline, names and states repeat every round. */
const textCells = new Map<string, string>();

function textCell(v: string | null): string {
  if (v === null) return "";
  let c = textCells.get(v);
  if (c === undefined) {
    c = csvField(v);
    if (textCells.size >= 20_000) textCells.clear();
    textCells.set(v, c);
  }
  return c;
}

const numCell = (v: number | bigint | null): string => (v === null ? "" : `${v}`);

function argsCells(a: bigint[] | null): string {
  if (a === null) return ",,,,,";
  if (a.length !== 6) return [0, 1, 2, 3, 4, 5].map((i) => csvField(hexText(a[i], ""))).join(",");
  return `${a[0].toString(16)},${a[1].toString(16)},${a[2].toString(16)},${a[3].toString(16)},${a[4].toString(16)},${a[5].toString(16)}`;
}

/**
 * One samples CSV line straight from a Sample: capture's hot path (hundreds of rows a round
 * with -a), so one straight-line template instead of a getter and csvField per column.
 * Byte for byte what csvLine("samples", sampleRecord(...)) writes (csv-row.test.ts).
 */
export function sampleCsvLine(
  s: Sample,
  kstackHash: string | null,
  ustackHash: string | null,
  cgroupId: bigint | number | null,
): string {
  return `${timestampText(s.timestamp)},${s.weight_us},${s.tid},${s.tgid},${numCell(s.ppid)},${numCell(s.pidns)},${numCell(cgroupId)},${textCell(s.state)},${numCell(s.cpu)},${textCell(s.username)},${textCell(s.exe)},${textCell(s.comm)},${textCell(s.cmdline)},${textCell(s.syscall)},${textCell(s.syscall_active)},${numCell(s.sysc_entry_ns)},${numCell(s.sysc_ns_so_far)},${numCell(s.sysc_seq_num)},${numCell(s.iorq_seq_num)},${argsCells(s.sysc_args)},${textCell(s.filename)},${textCell(s.connection)},${textCell(s.conn_state)},${textCell(s.wchan)},${kstackHash ?? ""},${ustackHash ?? ""},${numCell(s.utime)},${numCell(s.stime)},${numCell(s.read_bytes)},${numCell(s.write_bytes)}\n`;
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
