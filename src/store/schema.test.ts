// docs/schema.md documents every column of schema.ts with its type (the declaration is the
// source; this keeps the document true).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../testkit/workloads.js";
import { csvHeader } from "./csv-row.js";
import { parsePartitionName, partitionName } from "./files.js";
import { SCHEMA_VERSION, TABLE_NAMES, TABLES } from "./schema.js";
import { schemaMarkdown } from "./schema-doc.js";

test("docs/schema.md is the document derived from schema.ts", () => {
  const doc = readFileSync(join(REPO_ROOT, "docs", "schema.md"), "utf8");
  // Table padding may be re-aligned by a Markdown formatter: compare cells, not spaces.
  const norm = (t: string) =>
    t
      .split("\n")
      .map((l) =>
        l.startsWith("|")
          ? l
              .split("|")
              .map((c) => c.trim().replace(/^-+$/, "-"))
              .join("|")
          : l,
      )
      .join("\n");
  assert.equal(norm(doc), norm(schemaMarkdown()), "regenerate docs/schema.md (command in schema-doc.ts)");
  assert.match(doc, new RegExp(`schema version ${SCHEMA_VERSION}\\b`));
  for (const t of TABLE_NAMES) {
    const section = doc.split(`\n## ${t}\n`)[1]?.split("\n## ")[0];
    assert.ok(section, `section for ${t}`);
    const rows = section.split("\n").filter((l) => l.startsWith("| `"));
    assert.deepEqual(
      rows.map((l) =>
        l
          .split("|")
          .slice(1, 3)
          .map((c) => c.trim())
          .join(" "),
      ),
      TABLES[t].columns.map((c) => `\`${c.name}\` ${c.type}`),
      t,
    );
  }
});

test("partition names round-trip, and 0x.tools names parse", () => {
  const n = partitionName("tsnap", "samples", "2026-01-02.03", 2, "parquet");
  assert.equal(n, "tsnap_samples_2026-01-02.03_2.parquet");
  assert.deepEqual(parsePartitionName(n), {
    name: n,
    producer: "tsnap",
    table: "samples",
    hour: "2026-01-02.03",
    part: 2,
    format: "parquet",
  });
  assert.equal(parsePartitionName("xcapture_kstacks_2025-09-05.13.csv")?.table, "kstacks");
  assert.equal(parsePartitionName("xcapture_rounds_2025-09-05.13.csv"), null);
  assert.equal(parsePartitionName("notes.txt"), null);
  assert.equal(csvHeader("cgroups"), "cgroup_id,cgroup_path\n");
});
