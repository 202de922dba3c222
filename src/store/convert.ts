// Turns a closed part's CSV files into Parquet with DuckDB: write `<name>.parquet.tmp`,
// rename it over `<name>.parquet` (atomic), then delete the CSV. A crash at any point
// leaves either the CSV or the complete Parquet file readable (readers prefer Parquet).
import { existsSync, renameSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { type PartitionFile, partitionName } from "./files.js";
import { csvColumnsSql, SCHEMA_VERSION, type TableName } from "./schema.js";
import { sqlString } from "./sql-text.js";

/** Read options for a tsnap CSV file (explicit types, no sniffing). */
export function tsnapCsvReader(paths: string[], table: TableName, ignoreErrors: boolean): string {
  const list = `[${paths.map(sqlString).join(", ")}]`;
  return `read_csv(${list}, header = true, delim = ',', quote = '"', escape = '"', columns = ${csvColumnsSql(table)}, timestampformat = '%Y-%m-%d %H:%M:%S.%f'${ignoreErrors ? ", ignore_errors = true" : ""})`;
}

/** The Parquet writer options of tsnap files (zstd; the schema version in the footer). */
export const PARQUET_OPTIONS = `FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000, KV_METADATA {tsnap_schema_version: '${SCHEMA_VERSION}'}`;

/** Sort order inside a Parquet file: groups equal values so they compress well. */
export const SORT: Partial<Record<TableName, string>> = {
  samples: "ORDER BY tid, timestamp",
  rounds: "ORDER BY timestamp",
};

/** Convert the CSV files of one closed part (all tables present) to Parquet. */
export async function convertPart(dir: string, parts: PartitionFile[]): Promise<void> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const db = await DuckDBInstance.create(":memory:", { threads: "1", memory_limit: "256MB" });
  const conn = await db.connect();
  try {
    for (const f of parts) {
      if (f.format !== "csv" || f.producer !== "tsnap") continue;
      const csvPath = join(dir, f.name);
      const pqPath = join(dir, partitionName("tsnap", f.table, f.hour, f.part, "parquet"));
      if (existsSync(pqPath)) {
        unlinkSync(csvPath); // converted before a crash; the Parquet file is complete
        continue;
      }
      if (statSync(csvPath).size === 0) {
        unlinkSync(csvPath);
        continue;
      }
      const tmp = `${pqPath}.tmp`;
      await conn.run(
        `COPY (SELECT * FROM ${tsnapCsvReader([csvPath], f.table, true)} ${SORT[f.table] ?? ""}) TO ${sqlString(tmp)} (${PARQUET_OPTIONS})`,
      );
      renameSync(tmp, pqPath);
      unlinkSync(csvPath);
    }
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
