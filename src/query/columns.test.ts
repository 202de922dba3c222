// One column list for live rows (`top`) and history (`query`): a Sample written to a
// samples CSV line by the capture writer and read back by DuckDB through each history
// column's SQL gives, for every column that exists on both sides, the value `top` shows
// for that Sample. And both sides list such a column with the same description.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { blankSample, type Sample } from "../model/sample.js";
import { hashHex } from "../platform/values.js";
import { COLUMNS } from "../report/columns.js";
import { csvHeader, sampleCsvLine } from "../store/csv-row.js";
import { csvColumnsSql } from "../store/schema.js";
import { column } from "./columns.js";
import { Duck } from "./duck.js";

function sample(): Sample {
  const s = blankSample(1_764_700_000_123_456, 50_000, 4242, 4200);
  return {
    ...s,
    ppid: 1,
    pidns: 4026531836,
    cgroup_id: 12345,
    state: "DISK",
    cpu: 1,
    username: "postgres",
    exe: "/usr/lib/postgresql/15/bin/postgres",
    comm: "postgres: walwriter",
    cmdline: 'postgres: walwriter "quoted", comma',
    syscall: "pread64",
    syscall_nr: 17,
    syscall_active: "pread64",
    sysc_ns_so_far: 987_654,
    sysc_args: [7n, 0x7ffd0000n, 8192n, 0n, 0n, 0n],
    filename: "/var/lib/pg/base/16384/2619",
    wchan: "folio_wait_bit_common",
    kstack_hash: 0xdeadbeef12345678n,
    ustack_hash: 0x0123n,
  };
}

test("every column on both sides: the history value of the written row is the live value", async () => {
  const s = sample();
  const dir = mkdtempSync(join(tmpdir(), "tsnap-columns-"));
  const file = join(dir, "samples.csv");
  writeFileSync(
    file,
    csvHeader("samples") + sampleCsvLine(s, hashHex(s.kstack_hash!), hashHex(s.ustack_hash!), s.cgroup_id),
  );
  const duck = await Duck.open();
  try {
    const both = COLUMNS.filter((c) => {
      try {
        return column(c.name, "-g").joins.length === 0;
      } catch {
        return false; // live only (e.g. kstack: frames, which history keeps in kstacks)
      }
    });
    assert.ok(both.length >= 15, `only ${both.map((c) => c.name)}`);
    for (const c of both) {
      const q = column(c.name, "-g");
      const [row] = await duck.all(
        `SELECT ${q.sql} AS v FROM read_csv('${file}', header = true, columns = ${csvColumnsSql("samples")}) s`,
      );
      const v = typeof row.v === "bigint" ? Number(row.v) : row.v;
      assert.equal(v ?? null, c.get(s), c.name);
      assert.equal(q.doc, c.description, `${c.name}: one description`);
    }
  } finally {
    duck.close();
    rmSync(dir, { recursive: true });
  }
});
