// A synthetic capture directory for benchmarks: N hours at 1 Hz of `threads` active
// threads in 50 processes (states, syscalls, files and kernel stacks that persist for a
// few seconds), the rounds of each hour, and optionally latency histograms (lathist: 7
// syscalls spread over 5 log2 slots each, and one NVMe device, every second). Written by
// DuckDB straight to Parquet in the capture's layout (what `tsnap capture` writes after
// conversion); an hour whose files exist is kept, so an interrupted run resumes.
//   used by bench/store-query.ts and bench/views-day.ts
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Duck } from "../src/query/duck.js";
import { PARQUET_OPTIONS, SORT } from "../src/store/convert.js";

export interface SyntheticOptions {
  hours: number;
  threads: number;
  /** Also write tsnap_lathist_* files. */
  lathist: boolean;
  /** Called after each hour written (progress). */
  onHour?(hour: number): void;
}

/** The first hour's start; hour h is 2026-01-01 h:00 UTC. */
export const SYNTHETIC_START_US = Date.UTC(2026, 0, 1) * 1000;

export async function writeSyntheticHours(duck: Duck, dir: string, o: SyntheticOptions): Promise<void> {
  for (let h = 0; h < o.hours; h++) {
    const hh = String(h).padStart(2, "0");
    const file = (table: string) => join(dir, `tsnap_${table}_2026-01-01.${hh}.parquet`);
    if (!existsSync(file("samples"))) await duck.run(hourSql(h, o.threads, file("samples")));
    if (!existsSync(file("rounds"))) await duck.run(roundsSql(h, o.threads, file("rounds")));
    if (o.lathist && !existsSync(file("lathist"))) await duck.run(lathistSql(h, file("lathist")));
    o.onHour?.(h);
  }
}

/** One synthetic hour: THREADS threads in 50 processes, states and syscalls that persist for a few seconds. */
function hourSql(hour: number, threads: number, path: string): string {
  const start = `TIMESTAMP '2026-01-01 00:00:00' + INTERVAL ${hour} HOUR`;
  return `COPY (
    WITH r AS (SELECT sec, t AS i, (hash(t, (${hour} * 3600 + sec) // 5) % 1000003)::BIGINT AS h FROM range(3600) a(sec), range(${threads}) b(t))
    SELECT
      ${start} + INTERVAL 1 SECOND * sec AS timestamp, 1000000::BIGINT AS weight_us,
      (100000 + i)::BIGINT AS tid, (100000 + (i // 10) * 10)::BIGINT AS tgid, 1::BIGINT AS ppid, 4026531836::BIGINT AS pidns,
      (1000 + i % 7)::BIGINT AS cgroup_id,
      ['RUN', 'RUN', 'RUNQ', 'DISK', 'DISK', 'DISK', 'RUN', 'DISK', 'RUN', 'RUNQ'][1 + h % 10] AS state,
      (h % 4)::INTEGER AS cpu, ['root', 'postgres', 'app'][1 + (i // 10) % 3] AS username,
      ['postgres', 'java', 'fio', 'node', 'python3'][1 + (i // 10) % 5] AS exe,
      ['postgres', 'java', 'fio', 'node', 'python3'][1 + (i // 10) % 5] || '-' || (i % 10) AS comm, NULL::VARCHAR AS cmdline,
      ['pread64', 'read', '[running]', 'futex', 'io_submit', 'pwrite64', '[running]', 'fsync'][1 + (h // 10) % 8] AS syscall,
      '-' AS syscall_active, NULL::BIGINT AS sysc_entry_ns, NULL::BIGINT AS sysc_ns_so_far, NULL::BIGINT AS sysc_seq_num, NULL::BIGINT AS iorq_seq_num,
      NULL::VARCHAR AS sysc_arg1, NULL::VARCHAR AS sysc_arg2, NULL::VARCHAR AS sysc_arg3, NULL::VARCHAR AS sysc_arg4,
      NULL::VARCHAR AS sysc_arg5, NULL::VARCHAR AS sysc_arg6,
      CASE WHEN h % 3 = 0 THEN '/data/file-' || (i % 50) END AS filename, NULL::VARCHAR AS connection, NULL::VARCHAR AS conn_state,
      ['do_nanosleep', 'io_schedule', '0', 'futex_wait_queue', 'pipe_read'][1 + (h // 80) % 5] AS wchan,
      lpad(printf('%x', hash(h % 200) % 281474976710655), 16, '0') AS kstack_hash, NULL::VARCHAR AS ustack_hash,
      NULL::BIGINT AS utime, NULL::BIGINT AS stime, NULL::BIGINT AS read_bytes, NULL::BIGINT AS write_bytes
    FROM r ${SORT.samples}) TO '${path}' (${PARQUET_OPTIONS})`;
}

function roundsSql(hour: number, threads: number, path: string): string {
  return `COPY (SELECT TIMESTAMP '2026-01-01 00:00:00' + INTERVAL ${hour} HOUR + INTERVAL 1 SECOND * sec AS timestamp,
    1000000::BIGINT AS weight_us, 'proc' AS source, ${threads}::BIGINT AS threads_seen, ${threads}::BIGINT AS sample_rows,
    0::BIGINT AS cpu_us, 0::BIGINT AS lost, 0::BIGINT AS dropped_rows FROM range(3600) a(sec)) TO '${path}' (${PARQUET_OPTIONS})`;
}

/** One hour of latency histograms: per second, 7 syscalls × 5 slots and one disk × 6 slots. */
function lathistSql(hour: number, path: string): string {
  const start = `TIMESTAMP '2026-01-01 00:00:00' + INTERVAL ${hour} HOUR`;
  return `COPY (
    WITH sc AS (SELECT sec, k, j, 3 + k * 2 + j AS slot,
        (1 + hash(${hour}, sec, k, j) % 400 // (1 + j * j))::BIGINT AS n
      FROM range(3600) a(sec), range(7) b(k), range(5) c(j)),
    io AS (SELECT sec, j, 6 + j AS slot, (1 + hash(${hour}, sec, 99, j) % 300 // (1 + j))::BIGINT AS n
      FROM range(3600) a(sec), range(6) c(j))
    SELECT ${start} + INTERVAL 1 SECOND * (sec + 1) AS timestamp, 1000000::BIGINT AS interval_us, 'sc' AS kind,
      ['pread64', 'read', 'futex', 'io_submit', 'pwrite64', 'fsync', 'epoll_wait'][1 + k] AS syscall,
      NULL::BIGINT AS dev_maj, NULL::BIGINT AS dev_min, NULL::BIGINT AS tgid, NULL::VARCHAR AS comm,
      (slot * 16)::INTEGER AS bucket, slot::INTEGER AS slot, (2 ** slot)::BIGINT AS low_us,
      (2 ** slot + greatest(1, 2 ** slot // 16) - 1)::BIGINT AS high_us, n AS count
    FROM sc
    UNION ALL
    SELECT ${start} + INTERVAL 1 SECOND * (sec + 1), 1000000, 'io', NULL, 259, 0, NULL, NULL,
      (slot * 16)::INTEGER, slot::INTEGER, (2 ** slot)::BIGINT, (2 ** slot + greatest(1, 2 ** slot // 16) - 1)::BIGINT, n
    FROM io
    ORDER BY timestamp) TO '${path}' (${PARQUET_OPTIONS})`;
}
