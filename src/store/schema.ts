// The capture file schema, declared once: every writer, reader and doc table derives from
// this list. Column names follow 0x.tools xcapture v3 (lower-case) where one exists, so
// DuckDB queries (case-insensitive names) work over both tools' files.
// Documented in docs/schema.md; bump SCHEMA_VERSION on any incompatible change.

export const SCHEMA_VERSION = 2;

import { type ColumnType, SAMPLE_COLUMNS } from "../model/sample-columns.js";

export type { ColumnType };

export interface ColumnDef {
  name: string;
  type: ColumnType;
  doc: string;
}

export type TableName =
  | "samples"
  | "syscend"
  | "iorqend"
  | "kstacks"
  | "ustacks"
  | "cgroups"
  | "rounds"
  | "lathist";

const c = (name: string, type: ColumnType, doc: string): ColumnDef => ({ name, type, doc });

export const TABLES: Record<TableName, { doc: string; columns: ColumnDef[] }> = {
  samples: {
    doc: "one row per sampled thread per round",
    // Declared in model/sample-columns.ts (with the live and history columns), in file order.
    columns: SAMPLE_COLUMNS.flatMap((col) => (col.stored ? [c(col.name, col.stored, col.doc)] : [])),
  },
  syscend: {
    doc: "completions of syscalls that a sample saw; join samples on (tid, sysc_seq_num)",
    columns: [
      c("type", "VARCHAR", "always SYSC_END"),
      c("tid", "BIGINT", "thread id"),
      c("tgid", "BIGINT", "process id"),
      c("syscall_name", "VARCHAR", "syscall name"),
      c("duration_ns", "BIGINT", "entry to exit, ns"),
      c("sysc_ret_val", "BIGINT", "return value"),
      c("sysc_seq_num", "BIGINT", "per-thread syscall sequence number"),
      c("sysc_enter_time", "TIMESTAMP", "entry time, UTC"),
    ],
  },
  iorqend: {
    doc: "completions of block I/Os that a sample saw; join samples on (insert_tid = tid, iorq_seq_num)",
    columns: [
      c("type", "VARCHAR", "always IORQ_END"),
      c("insert_tid", "BIGINT", "thread that queued the request"),
      c("insert_tgid", "BIGINT", "its process"),
      c("issue_tid", "BIGINT", "thread that issued it to the device"),
      c("issue_tgid", "BIGINT", "its process"),
      c("complete_tid", "BIGINT", "thread running at completion"),
      c("complete_tgid", "BIGINT", "its process"),
      c("dev_maj", "BIGINT", "device major (see /proc/partitions)"),
      c("dev_min", "BIGINT", "device minor"),
      c("sector", "BIGINT", "start sector, NULL for a request without one (a flush)"),
      c("bytes", "BIGINT", "request size"),
      c("iorq_flags", "VARCHAR", "request flags"),
      c("iorq_seq_num", "BIGINT", "per-thread I/O sequence number"),
      c("duration_ns", "BIGINT", "insert to complete, ns"),
      c("service_ns", "BIGINT", "issue to complete, ns"),
      c("queued_ns", "BIGINT", "insert to issue, ns"),
      c("issue_timestamp", "TIMESTAMP", "issue time, UTC"),
      c("error", "BIGINT", "error code, 0 when none"),
    ],
  },
  kstacks: {
    doc: "kernel stacks used by this hour's samples",
    columns: [
      c("kstack_hash", "VARCHAR", "16 hex digits"),
      c("kstack_syms", "VARCHAR", "frames func+0xoff joined by ';', leaf first"),
    ],
  },
  ustacks: {
    doc: "user stacks used by this hour's samples",
    columns: [
      c("ustack_hash", "VARCHAR", "16 hex digits"),
      c("ustack_syms", "VARCHAR", "frames joined by ';', leaf first"),
    ],
  },
  cgroups: {
    doc: "cgroup ids used by this hour's samples",
    columns: [c("cgroup_id", "BIGINT", "cgroup id"), c("cgroup_path", "VARCHAR", "cgroup path")],
  },
  rounds: {
    doc: "one row per sampling round: coverage (for avg_threads) and tsnap's own overhead",
    columns: [
      c("timestamp", "TIMESTAMP", "round time, UTC"),
      c("weight_us", "BIGINT", "wall time the round stands for"),
      c("source", "VARCHAR", "proc or bpf"),
      c("threads_seen", "BIGINT", "threads looked at"),
      c("sample_rows", "BIGINT", "sample rows written for this round"),
      c("cpu_us", "BIGINT", "CPU tsnap used for this round (sample + write), µs"),
      c("lost", "BIGINT", "events the kernel side dropped since the previous round"),
      c("dropped_rows", "BIGINT", "rows not written (disk full) in this round"),
      c("lost_rounds", "BIGINT", "rounds due just before this one and lost (bpf clock: ring buffer full)"),
      c("late_rounds", "BIGINT", "rounds due just before this one that the sampling clock did not take"),
      c(
        "self_active",
        "BIGINT",
        "tsnap's own threads on a CPU or runnable at this round's instant (bpf clock; empty: not measured, user-space rounds)",
      ),
    ],
  },
  lathist: {
    doc: "latency histograms over every completion (not only what a sample saw), kept in the kernel (bpf source) and written as deltas, syscalls every round, block I/O and run queue every 5 s and at the end: one row per non-zero bucket (since version 2)",
    columns: [
      c("timestamp", "TIMESTAMP", "end of the interval the counts cover (a round's time), UTC"),
      c("interval_us", "BIGINT", "length of that interval, µs"),
      c(
        "kind",
        "VARCHAR",
        "sc: syscall entry → exit; io: block I/O issue → complete (biolatency); ioq: insert → complete (biolatency -Q); rq: wakeup or preemption → on CPU (runqlat -P)",
      ),
      c("syscall", "VARCHAR", "syscall name (sc)"),
      c("dev_maj", "BIGINT", "device major (io, ioq; see /proc/partitions)"),
      c("dev_min", "BIGINT", "device minor (io, ioq)"),
      c("tgid", "BIGINT", "process id (rq)"),
      c("comm", "VARCHAR", "process name (rq)"),
      c("bucket", "INTEGER", "slot * 16 + linear sub-bucket of the slot"),
      c("slot", "INTEGER", "bcc log2 slot: floor(log2(µs)), 0 for 0 and 1 µs"),
      c("low_us", "BIGINT", "lowest latency in the bucket, µs (latency in µs rounded down, as bcc)"),
      c("high_us", "BIGINT", "highest latency in the bucket, µs (inclusive)"),
      c("count", "BIGINT", "completions in this bucket during the interval"),
    ],
  },
};

export const TABLE_NAMES = Object.keys(TABLES) as TableName[];

/** DuckDB `columns={...}` struct literal for read_csv of a tsnap CSV file of this table. */
export function csvColumnsSql(table: TableName): string {
  return `{${TABLES[table].columns.map((col) => `'${col.name}': '${col.type}'`).join(", ")}}`;
}
