// docs/schema.md, derived from the declaration in schema.ts (the test keeps them equal).
// Regenerate: node -e 'import("./dist/src/store/schema-doc.js").then((m) => process.stdout.write(m.schemaMarkdown()))' > docs/schema.md
import { SCHEMA_VERSION, TABLES } from "./schema.js";

export function schemaMarkdown(): string {
  let out = `# tsnap capture files: schema version ${SCHEMA_VERSION}

\`tsnap capture -o DIR\` writes one set of files per hour (UTC) into DIR:

    tsnap_<table>_<YYYY-MM-DD.HH>[_<part>].<csv|parquet>

- The open hour is CSV (RFC 4180, header line, \`""\` for an empty string, an empty field
  for NULL, timestamps \`YYYY-MM-DD HH:MM:SS.ffffff\` UTC), appended once per round.
- A closed hour (and the open one at a clean stop) is Parquet (zstd, samples sorted by
  tid, timestamp); the footer's key-value metadata holds \`tsnap_schema_version\`.
- \`_<part>\` (1, 2, ...) appears when a capture restarts within an hour whose first part
  was already closed; every part is self-contained like an hour.
- **Self-contained hours**: every \`kstack_hash\`/\`ustack_hash\`/\`cgroup_id\` used in a
  part's samples has its row in that same part's \`kstacks\`/\`ustacks\`/\`cgroups\` file
  (0x.tools xcapture writes each stack once per run, so later hours cannot resolve them).
- \`DIR/tsnap_schema.json\` repeats this schema (version, tables, columns, types) for
  tools; \`DIR/partitions\` is a copy of /proc/partitions (device names for \`devname\`).
- Column names are 0x.tools xcapture v3's, lower-case, where xcapture has the column, so
  one DuckDB query (names are case-insensitive) reads both tools' files.
- Versioning: a change that renames, retypes or removes a column bumps the version;
  adding a column at the end does not. \`tsnap query\` rejects a CSV whose header is not
  this version's.

Read with DuckDB directly:

\`\`\`sql
SELECT state, syscall, sum(weight_us) / 1e6 / (SELECT sum(weight_us) / 1e6 FROM 'DIR/tsnap_rounds_*.parquet') AS avg_threads
FROM 'DIR/tsnap_samples_*.parquet' GROUP BY ALL ORDER BY avg_threads DESC;
\`\`\`
`;
  for (const [name, t] of Object.entries(TABLES)) {
    out += `\n## ${name}\n\n${t.doc[0].toUpperCase()}${t.doc.slice(1)}.\n\n| column | type | meaning |\n|---|---|---|\n`;
    for (const c of t.columns) out += `| \`${c.name}\` | ${c.type} | ${c.doc} |\n`;
  }
  return out;
}
