// The --sql escape hatch: one read-only statement (SELECT, or EXPLAIN of one without
// ANALYZE) over the views samples, syscend, iorqend, kstacks, ustacks, cgroups, rounds,
// partitions. Two locks, each enough on its own:
//  1. the statement is checked before it runs: parsed by DuckDB (json_serialize_sql) it
//     must be one SELECT whose every table is one of the views (or a CTE of its own) and
//     that calls no table function but range/generate_series/unnest and no
//     current_setting; EXPLAIN ANALYZE (which runs what it wraps) is refused;
//  2. the database it runs in was locked down when the views were made (Duck.lockDown):
//     no file but the capture files, no network, no extension, no setting can change.
import { UsageError } from "../errors.js";
import { type Duck, duckMessage, plainValue, type Row } from "./duck.js";
import { VIEW_NAMES } from "./views.js";

const TABLE_FUNCTIONS_ALLOWED = new Set(["range", "generate_series", "unnest"]);
const FUNCTIONS_REFUSED = new Set(["current_setting", "getenv", "getvariable"]);

export async function runReadOnlySql(duck: Duck, sql: string): Promise<{ columns: string[]; rows: Row[] }> {
  const { StatementType } = await import("@duckdb/node-api");
  let extracted: Awaited<ReturnType<typeof duck.conn.extractStatements>>;
  try {
    extracted = await duck.conn.extractStatements(sql);
  } catch (err) {
    throw new UsageError(`--sql: ${duckMessage(err)}`);
  }
  if (extracted.count !== 1)
    throw new UsageError(`--sql: give exactly one statement (got ${extracted.count})`);
  const explained = stripExplain(sql);
  await checkSelect(duck, explained ?? sql);
  let prepared: Awaited<ReturnType<typeof extracted.prepare>>;
  try {
    prepared = await extracted.prepare(0);
  } catch (err) {
    throw new UsageError(`--sql: ${duckMessage(err)}`);
  }
  const type = prepared.statementType;
  const expected = explained === null ? StatementType.SELECT : StatementType.EXPLAIN;
  if (type !== expected) throw refused(`a ${StatementType[type] ?? "other"} statement`);
  try {
    const reader = await prepared.runAndReadAll();
    const columns = reader.columnNames();
    const rows = reader
      .getRowsJS()
      .map((r) => Object.fromEntries(r.map((v, i) => [columns[i], plainValue(v)])));
    return { columns, rows };
  } catch (err) {
    throw new UsageError(`--sql: ${duckMessage(err)}`);
  }
}

function refused(what: string): UsageError {
  return new UsageError(`--sql: only a read-only SELECT over the capture's views is allowed (got ${what})`);
}

/** Leading blanks and SQL comments. */
const SKIP = String.raw`(?:\s+|--[^\n]*(?:\n|$)|/\*[\s\S]*?\*/)*`;

/**
 * For `EXPLAIN <select>`: the statement explained; null when `sql` is no EXPLAIN.
 * EXPLAIN ANALYZE runs the statement, so it (and EXPLAIN's option list) is refused.
 */
export function stripExplain(sql: string): string | null {
  const m = new RegExp(`^${SKIP}explain\\b${SKIP}`, "i").exec(sql);
  if (!m) return null;
  const rest = sql.slice(m[0].length);
  if (/^analy[sz]e\b/i.test(rest)) throw refused("EXPLAIN ANALYZE, which runs the statement");
  if (rest.startsWith("(")) throw refused("EXPLAIN with options, which may run the statement");
  return rest;
}

/** Refuse anything but one SELECT over the views (see the top of this file). */
async function checkSelect(duck: Duck, sql: string): Promise<void> {
  const rows = await duck.all("SELECT json_serialize_sql($sql::VARCHAR) AS j", { sql });
  const tree = JSON.parse(String(rows[0].j)) as {
    error?: boolean;
    error_message?: string;
    statements?: unknown[];
  };
  if (tree.error) {
    const msg = tree.error_message ?? "";
    if (!/Only SELECT/i.test(msg)) throw new UsageError(`--sql: ${msg}`);
    const word = new RegExp(`^${SKIP}([A-Za-z]+)`).exec(sql)?.[1];
    throw refused(word ? `a ${word.toUpperCase()} statement` : "another kind of statement");
  }
  if (tree.statements?.length !== 1) throw refused("more than one statement");
  const problem = findProblem(tree.statements[0], cteNames(tree.statements[0]));
  if (problem) throw refused(problem);
}

type Node = Record<string, unknown>;

function walk(node: unknown, visit: (n: Node) => void): void {
  if (Array.isArray(node)) for (const x of node) walk(x, visit);
  else if (node !== null && typeof node === "object") {
    visit(node as Node);
    for (const v of Object.values(node)) walk(v, visit);
  }
}

function cteNames(tree: unknown): Set<string> {
  const out = new Set<string>();
  walk(tree, (n) => {
    const map = (n.cte_map as { map?: { key?: unknown }[] } | undefined)?.map;
    for (const e of map ?? []) if (typeof e.key === "string") out.add(e.key.toLowerCase());
  });
  return out;
}

/** The first thing the statement may not do, in words; null when it only reads views. */
export function findProblem(tree: unknown, ctes: Set<string>): string | null {
  let problem: string | null = null;
  walk(tree, (n) => {
    if (problem) return;
    if (n.type === "BASE_TABLE") {
      const name = String(n.table_name ?? "");
      const schema = String(n.schema_name ?? "");
      const catalog = String(n.catalog_name ?? "");
      const lower = name.toLowerCase();
      const known = VIEW_NAMES.includes(lower as (typeof VIEW_NAMES)[number]) || ctes.has(lower);
      if (!known || catalog !== "" || (schema !== "" && schema.toLowerCase() !== "main"))
        problem = `table '${[catalog, schema, name].filter(Boolean).join(".")}', which is not one of ${VIEW_NAMES.join(", ")}`;
    } else if (n.type === "TABLE_FUNCTION") {
      const fn = String((n.function as Node | undefined)?.function_name ?? "");
      if (!TABLE_FUNCTIONS_ALLOWED.has(fn.toLowerCase())) problem = `table function ${fn}()`;
    } else if (n.class === "FUNCTION" && FUNCTIONS_REFUSED.has(String(n.function_name).toLowerCase())) {
      problem = `function ${String(n.function_name)}()`;
    }
  });
  return problem;
}
