// Each derived column is declared once with a JS value function (live rows) and a SQL
// expression (history). DuckDB evaluates the SQL on the same fields: the two must agree,
// so `top -g comm2` and `query -g comm2` group a thread under the same key.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Duck } from "../query/duck.js";
import { DERIVED_COLUMNS, frameName, leafFrame, timeBucketUs } from "./derived-columns.js";
import type { Sample } from "./sample.js";

const CASES: Partial<Sample>[] = [
  {
    comm: "kworker/12:0H-events",
    exe: "/usr/lib/postgresql/15/bin/postgres",
    filename: "/var/lib/pg/base/16384/2619.1",
    kstack: "io_schedule+0x42/0x70;folio_wait_bit_common+0x138;filemap_fault+0x5b",
    ustack: "libc.so.6`__pread64+0x1a;postgres`FileRead+0x9c",
  },
  { comm: "bash", exe: null, filename: null, kstack: null, ustack: null },
  { comm: "fio", exe: "fio", filename: "/dev/vdb", kstack: "do_nanosleep", ustack: "fio+0x1f00" },
];

test("every derived column: the live value equals DuckDB's evaluation of its SQL", async () => {
  const duck = await Duck.open();
  try {
    for (const c of CASES)
      for (const col of DERIVED_COLUMNS) {
        const [row] = await duck.all(
          `SELECT ${col.sql} AS v FROM (SELECT $comm::VARCHAR AS comm, $exe::VARCHAR AS exe, $filename::VARCHAR AS filename) s,
           (SELECT $k::VARCHAR AS kstack_syms) ks, (SELECT $u::VARCHAR AS ustack_syms) us`,
          { comm: c.comm!, exe: c.exe!, filename: c.filename!, k: c.kstack!, u: c.ustack! },
        );
        assert.equal(col.live(c as Sample), row.v ?? null, `${col.name} of ${JSON.stringify(c)}`);
      }
  } finally {
    duck.close();
  }
});

test("frame cleanup drops +0xOFF and +0xOFF/0xSIZE, nothing else", () => {
  assert.equal(frameName("io_schedule+0x42/0x70"), "io_schedule");
  assert.equal(frameName("libc.so.6`__pread64+0x1a"), "libc.so.6`__pread64");
  assert.equal(frameName("func+0xnothex"), "func+0xnothex");
  assert.equal(leafFrame("a+0x1;b+0x2"), "a");
  assert.equal(leafFrame(""), null);
  assert.equal(timeBucketUs("time_10s"), 10e6);
  assert.equal(timeBucketUs("time_0s"), null);
  assert.equal(timeBucketUs("time_5d"), null);
});
