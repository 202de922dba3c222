// Turns a closed part's CSV files into Parquet with DuckDB: write `<name>.parquet.tmp`,
// rename it over `<name>.parquet` (atomic), then delete the CSV. A crash at any point
// leaves either the CSV or the complete Parquet file readable (readers prefer Parquet).
//
// Bounded memory for any hour: DuckDB runs with one thread and a memory limit and spills
// to a temp directory inside the capture directory (the only place the systemd unit lets
// it write; never the working directory). No row is dropped: a file is read strictly, and
// if it does not parse, csv-scan.ts finds the bad lines, the good rows are converted, the
// original is kept as `<name>.csv.damaged` and what was lost goes to `<name>.csv.damaged.json`.
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import { describeRanges, type ScanResult, scanCsv } from "./csv-scan.js";
import { type PartitionFile, partitionName } from "./files.js";
import { csvColumnsSql, SCHEMA_VERSION, type TableName } from "./schema.js";
import { sqlString } from "./sql-text.js";

/**
 * Read options for a tsnap CSV file (explicit types, no sniffing, strict unless told).
 * `small`: a few rows read every second (the live window's new rows): DuckDB's dialect
 * detection and parallel scan set-up are skipped (about 5 ms of CPU down to 1 per read).
 */
export function tsnapCsvReader(
  paths: string[],
  table: TableName,
  ignoreErrors = false,
  small = false,
): string {
  const list = `[${paths.map(sqlString).join(", ")}]`;
  const opts = [
    ...(ignoreErrors ? ["ignore_errors = true"] : []),
    ...(small ? ["auto_detect = false", "parallel = false"] : []),
  ];
  return `read_csv(${list}, header = true, delim = ',', quote = '"', escape = '"', columns = ${csvColumnsSql(table)}, timestampformat = '%Y-%m-%d %H:%M:%S.%f'${opts.map((o) => `, ${o}`).join("")})`;
}

/**
 * The Parquet writer options of tsnap files (zstd; the schema version in the footer).
 * Row groups of 122,880 rows (DuckDB's default): groups of 1,000,000 rows of the samples
 * table do not fit in the 256 MB conversion limit.
 */
export const PARQUET_OPTIONS = `FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880, KV_METADATA {tsnap_schema_version: '${SCHEMA_VERSION}'}`;

/** Sort order inside a Parquet file: groups equal values so they compress well. */
export const SORT: Partial<Record<TableName, string>> = {
  samples: "ORDER BY tid, timestamp",
  rounds: "ORDER BY timestamp",
};

/** Where conversion spills: inside the capture directory, one folder per part. */
export const TEMP_DIR = ".tsnap-tmp";

/** Suffixes of what a damaged CSV file leaves: the original, and the record of the loss. */
export const DAMAGED_SUFFIX = ".damaged";
export const DAMAGED_RECORD_SUFFIX = ".damaged.json";

export interface ConvertOptions {
  /** DuckDB memory limit                                              [default: 256MB] */
  memoryLimit?: string;
  /** One line per damaged file (stderr / journal). */
  notice?: (line: string) => void;
}

/** Convert the CSV files of one closed part (all tables present) to Parquet. */
export async function convertPart(
  dir: string,
  parts: PartitionFile[],
  opts: ConvertOptions = {},
): Promise<void> {
  const first = parts[0];
  if (!first) return;
  const tmpDir = join(dir, TEMP_DIR, `${first.hour}_${first.part}`);
  mkdirSync(tmpDir, { recursive: true, mode: 0o700 });
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const db = await DuckDBInstance.create(":memory:", {
    threads: "1",
    memory_limit: opts.memoryLimit ?? "256MB",
    temp_directory: tmpDir,
    preserve_insertion_order: "false",
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
  });
  const conn = await db.connect();
  // Sorting straight from CSV runs out of memory at a few million rows; from an unsorted
  // Parquet copy DuckDB's sort spills and stays within the limit.
  const copy = async (csv: string, table: TableName, to: string) => {
    const sort = SORT[table];
    const unsorted = sort ? join(tmpDir, `${table}.unsorted.parquet`) : to;
    await conn.run(
      `COPY (SELECT * FROM ${tsnapCsvReader([csv], table)}) TO ${sqlString(unsorted)} (${PARQUET_OPTIONS})`,
    );
    if (!sort) return;
    try {
      await conn.run(
        `COPY (SELECT * FROM read_parquet(${sqlString(unsorted)}) ${sort}) TO ${sqlString(to)} (${PARQUET_OPTIONS})`,
      );
    } finally {
      rmSync(unsorted, { force: true });
    }
  };
  try {
    for (const f of parts) {
      if (f.format !== "csv" || f.producer !== "tsnap") continue;
      const csvPath = join(dir, f.name);
      const pqPath = join(dir, partitionName("tsnap", f.table, f.hour, f.part, "parquet"));
      const record = csvPath + DAMAGED_RECORD_SUFFIX;
      if (existsSync(pqPath)) {
        // Converted before a crash; the Parquet file is complete. A damaged original stays.
        if (existsSync(record)) renameSync(csvPath, csvPath + DAMAGED_SUFFIX);
        else unlinkSync(csvPath);
        continue;
      }
      if (statSync(csvPath).size === 0) {
        unlinkSync(csvPath);
        continue;
      }
      const tmp = `${pqPath}.tmp`;
      try {
        await copy(csvPath, f.table, tmp);
        renameSync(tmp, pqPath);
        unlinkSync(csvPath);
      } catch (err) {
        rmSync(tmp, { force: true });
        // Damage, or something else (out of space)? Only the file's own lines can say.
        const good = join(tmpDir, f.name);
        const out = createWriteStream(good, { mode: 0o600 });
        const scan = await scanCsv(csvPath, f.table, out).catch(() => null);
        await new Promise<void>((resolve, reject) => out.once("error", reject).end(resolve));
        if (scan === null || scan.badLines === 0) throw err;
        await copy(good, f.table, tmp).catch((e: unknown) => {
          rmSync(tmp, { force: true });
          throw e;
        });
        writeFileSync(record, `${JSON.stringify(damageRecord(f.name, scan), null, 2)}\n`, { mode: 0o600 });
        renameSync(tmp, pqPath);
        renameSync(csvPath, csvPath + DAMAGED_SUFFIX);
        rmSync(good, { force: true });
        opts.notice?.(
          `tsnap capture: ${csvPath}: ${scan.badLines} line${scan.badLines === 1 ? "" : "s"} do not parse (${describeRanges(scan.badRanges)}); converted its ${scan.goodRows} good rows, original kept as ${basename(csvPath)}${DAMAGED_SUFFIX}`,
        );
      }
    }
  } finally {
    conn.closeSync();
    db.closeSync();
    rmSync(tmpDir, { recursive: true, force: true });
    try {
      rmdirSync(join(dir, TEMP_DIR)); // only when empty (another part may be converting)
    } catch {}
  }
}

/** What a damaged file lost, written beside it. */
export function damageRecord(name: string, scan: ScanResult) {
  return {
    file: name,
    original_kept_as: name + DAMAGED_SUFFIX,
    converted_to: name.replace(/\.csv$/, ".parquet"),
    good_rows: scan.goodRows,
    lost_lines: scan.badLines,
    lost_line_ranges: scan.badRanges,
  };
}
