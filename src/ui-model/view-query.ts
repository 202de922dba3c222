// A view as query terms: the `-w` filter text (includes of one column ORed, the rest
// ANDed; every value quoted, so the filter language binds it as a parameter), the
// window as text `--from`/`--to` accept, and the equivalent `tsnap query` command line.
import type { Filter, View } from "./view-state.js";

/** A value in the -w language: single-quoted, a quote doubled. */
export function quoteFilterValue(v: string): string {
  return `'${v.replaceAll("'", "''")}'`;
}

/** The -w text of the filters ("" when none). */
export function filterText(filters: readonly Filter[]): string {
  const parts: string[] = [];
  const includes = new Map<string, string[]>();
  for (const f of filters) {
    if (f.op === "!=") parts.push(`${f.column}!=${quoteFilterValue(f.value)}`);
    else includes.set(f.column, [...(includes.get(f.column) ?? []), f.value]);
  }
  const inc = [...includes].map(([c, vs]) =>
    vs.length === 1
      ? `${c}=${quoteFilterValue(vs[0])}`
      : `(${vs.map((v) => `${c}=${quoteFilterValue(v)}`).join(" OR ")})`,
  );
  return [...inc, ...parts].join(" AND ");
}

/** µs → "2025-09-05T13:05:00" (".123" when not a whole second), naive like the data. */
export function timeText(us: number): string {
  const iso = new Date(Math.round(us / 1000)).toISOString().replace("Z", "");
  return iso.endsWith(".000") ? iso.slice(0, -4) : iso;
}

/** The flags of `tsnap query` that show the same numbers (rows in its own order). */
export function queryArgs(v: View): string[] {
  const out = ["-g", v.groups.join(",")];
  const w = filterText(v.filters);
  if (w) out.push("-w", w);
  if (v.fromUs !== null && v.toUs !== null) out.push("--from", timeText(v.fromUs), "--to", timeText(v.toUs));
  if (!v.latency) out.push("--lat", "none");
  return out;
}

/** A word for a POSIX shell: bare when safe, else single-quoted. */
export function shellWord(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  if (!/["$`\\!]/.test(s)) return `"${s}"`;
  return `'${s.replaceAll("'", "'\\''")}'`;
}

/** `tsnap query DIR ...` for the view: every screen reproducible in a script. */
export function queryCommand(v: View, dir: string): string {
  return ["tsnap", "query", dir, ...queryArgs(v)].map(shellWord).join(" ");
}
