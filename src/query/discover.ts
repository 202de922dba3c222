// Finds the partition files of a capture directory (tsnap's and 0x.tools xcapture v3's),
// checks each one on its own (a truncated or corrupt file is reported by name and left
// out; the others are still read), and records which columns each group of files has.
// A tsnap CSV file with rows that do not parse is named with its bad lines and read
// through a private clean copy of its good rows (csv-scan.ts): never silently short.
import {
  accessSync,
  closeSync,
  constants,
  createWriteStream,
  existsSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
} from "node:fs";
import { basename, join } from "node:path";
import { InputError, PermissionError } from "../errors.js";
import { tsnapCsvReader } from "../store/convert.js";
import { csvHeader } from "../store/csv-row.js";
import { describeRanges, scanCsv } from "../store/csv-scan.js";
import { type FileFormat, type PartitionFile, type Producer, parsePartitionName } from "../store/files.js";
import type { TableName } from "../store/schema.js";
import { SCHEMA_VERSION, TABLES } from "../store/schema.js";
import { sqlString } from "../store/sql-text.js";
import { type Duck, duckMessage } from "./duck.js";

function readFirstLine(path: string): string {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString("utf8");
    const nl = text.indexOf("\n");
    return nl < 0 ? text : text.slice(0, nl);
  } finally {
    closeSync(fd);
  }
}

/** Files of one table from one producer in one format: read together by one table function. */
export interface FileGroup {
  producer: Producer;
  format: FileFormat;
  table: TableName;
  paths: string[];
  /** Lower-case column names present in these files. */
  columns: Set<string>;
}

export interface Catalog {
  dir: string;
  groups: FileGroup[];
  /** A copy of /proc/partitions written with the capture, or null. */
  partitionsPath: string | null;
  /** Hours ("YYYY-MM-DD.HH") that have sample files, sorted. */
  hours: string[];
  /** One line per file left out, naming the file. */
  problems: string[];
}

/** The table function that reads a group (used by the views and by file checks). */
export function readerSql(g: Pick<FileGroup, "producer" | "format" | "table" | "paths">): string {
  const list = `[${g.paths.map(sqlString).join(", ")}]`;
  if (g.format === "parquet") return `read_parquet(${list}, union_by_name = true)`;
  if (g.producer === "tsnap") return tsnapCsvReader(g.paths, g.table);
  return `read_csv(${list}, header = true, quote = '''', escape = '''', union_by_name = true)`;
}

export async function discover(
  duck: Duck,
  dir: string,
  keepHour: (hour: string) => boolean = () => true,
): Promise<Catalog> {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new InputError(`${dir}: not a directory`);
    names = readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM") throw new PermissionError(`${dir}: permission denied`);
    if (code === "ENOENT") throw new InputError(`${dir}: no such directory`);
    throw err;
  }
  const parsed = names.map(parsePartitionName).filter((f): f is PartitionFile => f !== null);
  // A tsnap part converted to Parquet may still have its CSV (crash before the delete).
  const pq = new Set(
    parsed.filter((f) => f.format === "parquet").map((f) => `${f.producer}/${f.table}/${f.hour}/${f.part}`),
  );
  const chosen = parsed.filter(
    (f) =>
      keepHour(f.hour) && !(f.format === "csv" && pq.has(`${f.producer}/${f.table}/${f.hour}/${f.part}`)),
  );
  const problems: string[] = [];
  const byKey = new Map<string, FileGroup>();
  for (const f of chosen.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, f.name);
    const checked = await checkFile(duck, f, path).catch((err: unknown) => {
      problems.push(
        `${path}: ${err instanceof InputError ? err.message : `unreadable (${duckMessage(err)})`}; skipped`,
      );
      return null;
    });
    if (checked === null) continue;
    const { cols, readPath, problem } = checked;
    if (problem) problems.push(problem);
    const key = `${f.producer}/${f.table}/${f.format}`;
    const g = byKey.get(key) ?? {
      producer: f.producer,
      format: f.format,
      table: f.table,
      paths: [],
      columns: new Set(),
    };
    g.paths.push(readPath);
    for (const c of cols) g.columns.add(c);
    byKey.set(key, g);
  }
  const groups = [...byKey.values()];
  const hours = [
    ...new Set(
      groups
        .filter((g) => g.table === "samples")
        .flatMap((g) => g.paths.map((p) => parsePartitionName(basename(p))?.hour ?? "")),
    ),
  ].sort();
  const partitionsPath = existsSync(join(dir, "partitions")) ? join(dir, "partitions") : null;
  return { dir, groups, partitionsPath, hours, problems };
}

interface Checked {
  /** Column names (lower-case). */
  cols: string[];
  /** The file to read: `path`, or a clean copy of its good rows. */
  readPath: string;
  /** What is left out of a damaged file, in one line. */
  problem?: string;
}

/** Check one file is readable and return its column names (lower-case). */
async function checkFile(duck: Duck, f: PartitionFile, path: string): Promise<Checked> {
  const cols = await checkColumns(duck, f, path);
  if (f.format === "parquet" || f.producer !== "tsnap") return { cols, readPath: path };
  try {
    await duck.all(`SELECT count(*) AS n FROM ${tsnapCsvReader([path], f.table)}`);
    return { cols, readPath: path };
  } catch {
    return salvage(duck, f, path, cols);
  }
}

/** A tsnap CSV file that does not parse: name its bad lines, read its good rows from a copy. */
async function salvage(duck: Duck, f: PartitionFile, path: string, cols: string[]): Promise<Checked> {
  const dir = duck.privateTempDir();
  const copy = join(dir, f.name);
  const out = createWriteStream(copy, { mode: 0o600 });
  const scan = await scanCsv(path, f.table, out);
  await new Promise<void>((resolve, reject) => out.once("error", reject).end(resolve));
  // The open hour's last line may be a write in progress: left out, not damage.
  const ranges = scan.badRanges.filter(([a]) => !(scan.partialTail && a === scan.lines));
  const bad = ranges.reduce((n, [a, b]) => n + b - a + 1, 0);
  if (bad === 0) return { cols, readPath: copy };
  return {
    cols,
    readPath: copy,
    problem: `${path}: ${bad} line${bad === 1 ? "" : "s"} do not parse (${describeRanges(ranges)}); read its ${scan.goodRows} good rows, the rest left out`,
  };
}

async function checkColumns(duck: Duck, f: PartitionFile, path: string): Promise<string[]> {
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new InputError("permission denied");
  }
  if (f.format === "parquet") {
    const rows = await duck.all(`SELECT name FROM parquet_schema(${sqlString(path)})`);
    const cols = rows
      .map((r) => String(r.name).toLowerCase())
      .filter((n) => n !== "duckdb_schema" && n !== "schema");
    const missing = REQUIRED[f.table].filter((c) => !cols.includes(c));
    if (missing.length) throw new InputError(`not a ${f.table} file (no column ${missing.join(", ")})`);
    return cols;
  }
  if (f.producer === "tsnap") {
    // The header must be this schema version's; rows are checked by checkFile.
    const head = readFirstLine(path);
    if (head !== "" && head !== csvHeader(f.table).trimEnd()) {
      throw new InputError(`header is not tsnap schema v${SCHEMA_VERSION}'s ${f.table} header`);
    }
    return TABLES[f.table].columns.map((c) => c.name);
  }
  const g = { producer: f.producer, format: f.format, table: f.table, paths: [path] };
  await duck.all(`SELECT count(*) AS n FROM ${readerSql(g)}`);
  const rows = await duck.all(`DESCRIBE SELECT * FROM ${readerSql(g)}`);
  const cols = rows.map((r) => String(r.column_name).toLowerCase());
  const missing = REQUIRED[f.table].filter((c) => !cols.includes(c));
  if (missing.length) throw new InputError(`not a ${f.table} file (no column ${missing.join(", ")})`);
  return cols;
}

/** Columns a file must have to be used at all (keys and measures). */
const REQUIRED: Record<TableName, string[]> = {
  samples: ["timestamp", "weight_us", "tid", "state"],
  syscend: ["tid", "sysc_seq_num", "duration_ns"],
  iorqend: ["insert_tid", "iorq_seq_num", "duration_ns"],
  kstacks: ["kstack_hash", "kstack_syms"],
  ustacks: ["ustack_hash", "ustack_syms"],
  cgroups: ["cgroup_id", "cgroup_path"],
  rounds: ["timestamp", "weight_us"],
  lathist: ["timestamp", "kind", "bucket", "count"],
};
