// Quoting for the few SQL texts that cannot be parameters (file paths in table
// functions, identifiers). User values in filters never go through here: they are bound.

/** A SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** A quoted SQL identifier. */
export function sqlIdent(s: string): string {
  return `"${s.replaceAll('"', '""')}"`;
}
