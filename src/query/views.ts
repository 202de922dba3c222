// Creates one DuckDB view per table over every readable file of a catalog, with the
// columns normalised to tsnap's schema (so 0x.tools xcapture files and tsnap files read
// the same), dictionaries de-duplicated, and a `rounds` view that says which sampling
// rounds the data covers (tsnap writes it; for xcapture it is the distinct timestamps).
import { readFileSync } from "node:fs";
import { TABLES, type TableName } from "../store/schema.js";
import { sqlIdent } from "../store/sql-text.js";
import type { Catalog, FileGroup } from "./discover.js";
import { readerSql } from "./discover.js";
import type { Duck } from "./duck.js";

/** What a query may read: the views (and the partitions table) made here. */
export const VIEW_NAMES = [
  "samples",
  "syscend",
  "iorqend",
  "kstacks",
  "ustacks",
  "cgroups",
  "rounds",
  "partitions",
] as const;

/** Normalised columns of each view: tsnap's schema, plus xcapture's extra_info. */
function viewColumns(table: TableName): { name: string; type: string }[] {
  const cols = TABLES[table].columns.map((c) => ({ name: c.name, type: c.type }));
  if (table === "samples") cols.push({ name: "extra_info", type: "VARCHAR" });
  return cols;
}

/** The normalised rows of one group of files (the view's columns, then `producer`). */
export function groupSelect(
  g: Pick<FileGroup, "producer" | "format" | "table" | "paths" | "columns">,
  where = "",
): string {
  const list = viewColumns(g.table).map((c) => {
    if (!g.columns.has(c.name)) return `CAST(NULL AS ${c.type}) AS ${c.name}`;
    // xcapture writes stack hash 0 for "no stack collected": no stack, not an unresolved one.
    if (g.producer === "xcapture" && (c.name === "kstack_hash" || c.name === "ustack_hash")) {
      return `NULLIF(CAST(${sqlIdent(c.name)} AS VARCHAR), '0') AS ${c.name}`;
    }
    return `CAST(${sqlIdent(c.name)} AS ${c.type}) AS ${c.name}`;
  });
  return `SELECT ${list.join(", ")}, '${g.producer}' AS producer FROM ${readerSql(g)} ${where}`;
}

/** No rows, the view's columns (a table made from it has the view's columns and types). */
export function emptySelect(table: TableName): string {
  const cols = viewColumns(table);
  return `SELECT ${cols.map((c) => `CAST(NULL AS ${c.type}) AS ${c.name}`).join(", ")}, 'none' AS producer WHERE false`;
}

function unionSql(cat: Catalog, table: TableName, where = ""): string {
  const parts = cat.groups.filter((g) => g.table === table).map((g) => groupSelect(g, where));
  if (parts.length === 0) return emptySelect(table);
  return parts.join("\nUNION ALL\n");
}

/** The dictionaries' columns (their views keep one row per key). */
export const DICTIONARIES = {
  kstacks: ["kstack_hash", "kstack_syms"],
  ustacks: ["ustack_hash", "ustack_syms"],
  cgroups: ["cgroup_id", "cgroup_path"],
} as const;

/** Create the views, then lock the database down to the files they read (Duck.lockDown). */
export async function createViews(duck: Duck, cat: Catalog): Promise<void> {
  await duck.run(`CREATE OR REPLACE VIEW samples AS ${unionSql(cat, "samples")}`);
  await duck.run(`CREATE OR REPLACE VIEW syscend AS ${unionSql(cat, "syscend")}`);
  await duck.run(`CREATE OR REPLACE VIEW iorqend AS ${unionSql(cat, "iorqend")}`);
  await duck.run(`CREATE OR REPLACE VIEW lathist AS ${unionSql(cat, "lathist")}`);
  for (const [t, [key, value]] of Object.entries(DICTIONARIES))
    await duck.run(
      `CREATE OR REPLACE VIEW ${t} AS SELECT ${key}, any_value(${value}) AS ${value} FROM (${unionSql(cat, t as TableName)}) GROUP BY 1`,
    );
  // Coverage: tsnap's rounds files where present, else the distinct sample timestamps.
  const hasRounds = cat.groups.some((g) => g.table === "rounds");
  const tsnapRounds = hasRounds
    ? `SELECT * EXCLUDE (producer) FROM (${unionSql(cat, "rounds")})`
    : "SELECT DISTINCT timestamp, weight_us FROM samples WHERE producer = 'tsnap'";
  // Only the parts that have files: a DISTINCT over 43 M samples is not free.
  const has = (producer: string, table: TableName) =>
    cat.groups.some((g) => g.producer === producer && g.table === table);
  const parts: string[] = [];
  if (has("tsnap", "samples") || has("tsnap", "rounds")) parts.push(tsnapRounds);
  if (has("xcapture", "samples"))
    parts.push("SELECT DISTINCT timestamp, weight_us FROM samples WHERE producer = 'xcapture'");
  if (parts.length === 0)
    parts.push("SELECT CAST(NULL AS TIMESTAMP) AS timestamp, CAST(NULL AS BIGINT) AS weight_us WHERE false");
  await duck.run(`CREATE OR REPLACE VIEW rounds AS ${parts.join("\nUNION ALL BY NAME ")}`);
  await createPartitions(duck, cat.partitionsPath);
  await duck.lockDown(cat.groups.flatMap((g) => g.paths));
}

/** The partitions table (devname): the capture's copy of /proc/partitions, else the live one. */
export async function createPartitions(duck: Duck, path: string | null): Promise<void> {
  await duck.run("CREATE OR REPLACE TABLE partitions (dev_maj BIGINT, dev_min BIGINT, devname VARCHAR)");
  for (const p of parsePartitions(readPartitions(path))) {
    await duck.run("INSERT INTO partitions VALUES ($maj, $min, $name)", {
      maj: p.major,
      min: p.minor,
      name: p.name,
    });
  }
}

/** The capture's copy of /proc/partitions, else the live one (what devname resolves through). */
export function readPartitions(path: string | null): string {
  try {
    return readFileSync(path ?? "/proc/partitions", "utf8");
  } catch {
    return "";
  }
}

/** Parse /proc/partitions text: "major minor #blocks name" rows after a header. */
export function parsePartitions(text: string): { major: number; minor: number; name: string }[] {
  const out: { major: number; minor: number; name: string }[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*(\d+)\s+(\d+)\s+\d+\s+(\S+)\s*$/.exec(line);
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), name: m[3] });
  }
  return out;
}
