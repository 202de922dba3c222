// The --sql escape hatch: one read-only statement (SELECT, or EXPLAIN of one) over the
// views samples, syscend, iorqend, kstacks, ustacks, cgroups, rounds, partitions.
// Anything else (COPY, ATTACH, SET, INSERT, CREATE, ...) is refused before it runs.
import { UsageError } from "../errors.js";
import { type Duck, duckMessage, plainValue, type Row } from "./duck.js";

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
  let prepared: Awaited<ReturnType<typeof extracted.prepare>>;
  try {
    prepared = await extracted.prepare(0);
  } catch (err) {
    throw new UsageError(`--sql: ${duckMessage(err)}`);
  }
  const type = prepared.statementType;
  if (type !== StatementType.SELECT && type !== StatementType.EXPLAIN) {
    throw new UsageError(
      `--sql: only a read-only SELECT is allowed (got a ${StatementType[type] ?? "other"} statement)`,
    );
  }
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
