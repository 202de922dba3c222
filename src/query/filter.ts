// The -w filter language, translated to SQL with bound parameters (user values are
// never pasted into SQL text):
//   expr  := term (OR term)*        term := factor (AND factor)*
//   factor:= NOT factor | '(' expr ')' | column op value
//   op    := = | != | ~ | !~ | < | <= | > | >=      (~ is a regular expression match)
//   value := 'text' | "text" | bare word; numbers for number columns, times for time ones
//            (inside quotes a doubled quote stands for one; quote regexes with ( ) or spaces)
import { UsageError } from "../errors.js";
import { parseDecimal } from "../platform/decimal.js";
import { MAX_PATTERN_LENGTH } from "../platform/user-regex.js";
import { column, type Join, type QueryColumn } from "./columns.js";
import type { Params } from "./duck.js";
import { parseTimeValue } from "./time-range.js";

export interface FilterSql {
  sql: string;
  params: Params;
  joins: Set<Join>;
  /** The columns the filter names (a dialect may place or check them). */
  columns: QueryColumn[];
}

/**
 * The SQL a filter is written in: DuckDB over a capture directory (tsnap query), or
 * ClickHouse over a fleet's tables (tsnap query --engine clickhouse://, fleet/engine-query.ts).
 * One parser, one set of rules; only the text of columns, bound values and two operators differ.
 */
export interface FilterDialect {
  /** A column by name (unknown: a UsageError naming the flag). */
  lookup(name: string, flag: string): QueryColumn;
  /** The column's expression. */
  column(c: QueryColumn): string;
  /** The bound parameter `name` as a value of the kind. */
  value(name: string, kind: QueryColumn["kind"]): string;
  /** True when text `expr` matches the regex in parameter `name`; NULL stays NULL. */
  regex(expr: string, name: string): string;
  /** lhs differs from the (never NULL) value rhs, a NULL lhs included. */
  distinct(lhs: string, rhs: string): string;
}

export const DUCKDB_FILTER: FilterDialect = {
  lookup: column,
  column: (c) => c.sql,
  value: (name, kind) =>
    kind === "number"
      ? `CAST($${name} AS DOUBLE)`
      : kind === "time"
        ? `CAST($${name} AS TIMESTAMP)`
        : `$${name}`,
  regex: (expr, name) => `regexp_matches(CAST(${expr} AS VARCHAR), $${name})`,
  distinct: (lhs, rhs) => `(${lhs} IS DISTINCT FROM ${rhs})`,
};

/** Limits that keep a hostile filter from exhausting the parser's stack or DuckDB. */
export const MAX_FILTER_LENGTH = 65536;
export const MAX_FILTER_DEPTH = 100;

type Tok = { kind: "word" | "str" | "op" | "lp" | "rp"; text: string; pos: number };

const OPS = ["!=", "<=", ">=", "!~", "=", "~", "<", ">"];

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "(" || ch === ")") {
      toks.push({ kind: ch === "(" ? "lp" : "rp", text: ch, pos: i });
      i++;
    } else if (ch === "'" || ch === '"') {
      // A doubled quote inside quotes stands for one: 'it''s'.
      let text = "";
      let j = i + 1;
      for (;;) {
        const end = src.indexOf(ch, j);
        if (end < 0) throw bad(`unterminated quote at position ${i + 1}`);
        text += src.slice(j, end);
        if (src[end + 1] !== ch) {
          j = end + 1;
          break;
        }
        text += ch;
        j = end + 2;
      }
      toks.push({ kind: "str", text, pos: i });
      i = j;
    } else {
      const op = OPS.find((o) => src.startsWith(o, i));
      if (op) {
        toks.push({ kind: "op", text: op, pos: i });
        i += op.length;
      } else {
        let j = i;
        while (j < src.length && !/[\s()=!~<>'"]/.test(src[j])) j++;
        toks.push({ kind: "word", text: src.slice(i, j), pos: i });
        i = j;
      }
    }
  }
  return toks;
}

function bad(msg: string): UsageError {
  return new UsageError(`-w: ${msg}`);
}

export function parseFilter(
  src: string,
  nowUs: number,
  endUs: number,
  dialect: FilterDialect = DUCKDB_FILTER,
): FilterSql {
  if (src.length > MAX_FILTER_LENGTH)
    throw bad(`filter of ${src.length} characters is too long (at most ${MAX_FILTER_LENGTH})`);
  const toks = tokenize(src);
  let at = 0;
  let depth = 0;
  const params: Params = {};
  const joins = new Set<Join>();
  const columns: QueryColumn[] = [];
  let n = 0;
  const peekWord = (w: string) => toks[at]?.kind === "word" && toks[at].text.toUpperCase() === w;
  const bind = (v: string | number): string => {
    const name = `w${n++}`;
    params[name] = v;
    return name;
  };

  function expr(): string {
    const parts = [term()];
    while (peekWord("OR")) {
      at++;
      parts.push(term());
    }
    return parts.length === 1 ? parts[0] : `(${parts.join(" OR ")})`;
  }
  function term(): string {
    const parts = [factor()];
    while (peekWord("AND")) {
      at++;
      parts.push(factor());
    }
    return parts.length === 1 ? parts[0] : `(${parts.join(" AND ")})`;
  }
  function factor(): string {
    const t = toks[at];
    if (!t) throw bad("expression ends too early");
    if (++depth > MAX_FILTER_DEPTH)
      throw bad(`nested more than ${MAX_FILTER_DEPTH} deep (parentheses or NOT) at position ${t.pos + 1}`);
    try {
      return factorAt(t);
    } finally {
      depth--;
    }
  }
  function factorAt(t: Tok): string {
    if (peekWord("NOT")) {
      at++;
      return `(NOT ${factor()})`;
    }
    if (t.kind === "lp") {
      at++;
      const inner = expr();
      if (toks[at]?.kind !== "rp") throw bad(`missing ')' for '(' at position ${t.pos + 1}`);
      at++;
      return inner;
    }
    if (t.kind !== "word") throw bad(`expected a column name at position ${t.pos + 1}, got '${t.text}'`);
    const col = dialect.lookup(t.text, "-w");
    if (col.bucketUs !== undefined)
      throw bad(`filter time buckets through timestamp (e.g. timestamp>=13:05), not ${col.name}`);
    for (const j of col.joins) joins.add(j);
    if (!columns.includes(col)) columns.push(col);
    const lhs = dialect.column(col);
    const op = toks[at + 1];
    if (op?.kind !== "op") throw bad(`expected an operator (= != ~ !~ < <= > >=) after '${t.text}'`);
    const v = toks[at + 2];
    if (!v || (v.kind !== "word" && v.kind !== "str"))
      throw bad(`expected a value after '${t.text}${op.text}'`);
    at += 3;
    if (op.text === "~" || op.text === "!~") {
      if (v.text.length > MAX_PATTERN_LENGTH)
        throw bad(
          `regular expression of ${v.text.length} characters is too long (at most ${MAX_PATTERN_LENGTH})`,
        );
      try {
        new RegExp(v.text);
      } catch {
        throw bad(`bad regular expression '${v.text}'`);
      }
      const m = dialect.regex(lhs, bind(v.text));
      return op.text === "~" ? `coalesce(${m}, false)` : `NOT coalesce(${m}, false)`;
    }
    let rhs: string;
    if (col.kind === "number") {
      if (parseDecimal(v.text.trim()) === null) throw bad(`${col.name} is a number column, got '${v.text}'`);
      rhs = dialect.value(bind(v.text), "number");
    } else if (col.kind === "time") {
      rhs = dialect.value(bind(parseTimeValue(v.text, nowUs, endUs, "-w")), "time");
    } else {
      rhs = dialect.value(bind(v.text), "text");
    }
    if (op.text === "!=") return dialect.distinct(lhs, rhs);
    return `(${lhs} ${op.text} ${rhs})`;
  }

  if (toks.length === 0) throw bad("empty filter");
  const sql = expr();
  if (at < toks.length) throw bad(`unexpected '${toks[at].text}' at position ${toks[at].pos + 1}`);
  return { sql, params, joins, columns };
}
