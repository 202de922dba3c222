// tsnap query on real files: xcapture CSV (single-quoted strings) reads like its Parquet,
// a corrupt or truncated file is named and left out while the rest is still read, and
// bad input is one clear line with a non-zero exit.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Duck } from "../query/duck.js";
import { runCli, TSNAP_BIN } from "../testkit/cli.js";
import { REPO_ROOT } from "../testkit/workloads.js";

const DEMO = join(REPO_ROOT, "..", "shared", "data", "0xtools-v3-demo");
const skip = existsSync(DEMO) ? false : `demo data not found at ${DEMO}`;
const H = "2025-09-05.13";
let dir = "";

before(() => {
  dir = mkdtempSync(join(tmpdir(), "tsnap-q-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

type Rec = Record<string, unknown>;
async function json(
  args: string[],
): Promise<{ code: number; out: { rows: Rec[]; window: Rec }; stderr: string }> {
  const r = await runCli(["query", ...args, "--format", "json", "--limit", "0"]);
  return { code: r.code, out: r.stdout ? JSON.parse(r.stdout) : { rows: [], window: {} }, stderr: r.stderr };
}

function sortRows(rows: Rec[]): string[] {
  return rows.map((r) => JSON.stringify(r)).sort();
}

test("xcapture CSV and Parquet read alike: kstacks from the real CSV, samples and syscend rewritten as CSV", {
  skip,
}, async () => {
  const csvDir = mkdtempSync(join(dir, "csv-"));
  copyFileSync(join(DEMO, "partitions"), join(csvDir, "partitions"));
  copyFileSync(join(DEMO, `xcapture_kstacks_${H}.csv`), join(csvDir, `xcapture_kstacks_${H}.csv`));
  const duck = await Duck.open();
  try {
    // The way xcapture writes CSV: a header, strings in single quotes, numbers bare.
    for (const t of ["samples", "syscend"]) {
      const cols = await duck.all(
        `DESCRIBE SELECT * FROM read_parquet('${DEMO}/xcapture_${t}_${H}.parquet')`,
      );
      const strs = cols.filter((c) => c.column_type === "VARCHAR").map((c) => c.column_name);
      await duck.run(
        `COPY (SELECT * FROM read_parquet('${DEMO}/xcapture_${t}_${H}.parquet')) TO '${csvDir}/xcapture_${t}_${H}.csv'
         (HEADER, QUOTE '''', ESCAPE '''', FORCE_QUOTE (${strs.join(", ")}))`,
      );
    }
  } finally {
    duck.close();
  }
  assert.match(
    readFileSync(join(csvDir, `xcapture_samples_${H}.csv`), "utf8").split("\n")[1],
    /,'SLEEP'|,'DISK'|,'RUN'/,
  );
  const args = ["-g", "state,syscall,kstack_current_func", "--lat", "sc"];
  const fromCsv = await json([csvDir, ...args]);
  const fromPq = await json([DEMO, ...args]);
  assert.equal(fromCsv.code, 0, fromCsv.stderr);
  assert.ok(fromPq.out.rows.length > 10);
  assert.deepEqual(sortRows(fromCsv.out.rows), sortRows(fromPq.out.rows));
});

test("a truncated Parquet file and a corrupt CSV are named, skipped, and the rest is still read", {
  skip,
}, async () => {
  const bad = mkdtempSync(join(dir, "bad-"));
  for (const t of ["samples", "syscend", "iorqend", "kstacks", "cgroups"]) {
    copyFileSync(join(DEMO, `xcapture_${t}_${H}.parquet`), join(bad, `xcapture_${t}_${H}.parquet`));
  }
  copyFileSync(join(DEMO, "partitions"), join(bad, "partitions"));
  // Next hour: a samples file cut in half (as a full disk or a crash of a copy would).
  const cut = join(bad, "xcapture_samples_2025-09-05.14.parquet");
  copyFileSync(join(DEMO, `xcapture_samples_${H}.parquet`), cut);
  truncateSync(cut, Math.floor(statSync(cut).size / 2));
  const junk = join(bad, "xcapture_ustacks_2025-09-05.14.csv");
  writeFileSync(
    junk,
    Buffer.concat([
      Buffer.from("USTACK_HASH,USTACK_SYMS\n'abc','x'\n"),
      Buffer.from([0xff, 0xfe, 0x2c, 0xc3, 0x0a]),
    ]),
  );
  const r = await json([bad, "-g", "state"]);
  assert.equal(r.code, 1, "non-zero exit: the answer leaves files out");
  assert.match(r.stderr, new RegExp(`${cut}: unreadable`));
  assert.match(r.stderr, new RegExp(`${junk}: unreadable`));
  assert.equal(r.stderr.trim().split("\n").length, 2, r.stderr);
  const good = await json([DEMO, "-g", "state"]);
  assert.deepEqual(sortRows(r.out.rows), sortRows(good.out.rows));
});

test("bad input: one line, non-zero exit, no stack trace", { skip }, async () => {
  const cases: [string[], number, RegExp][] = [
    [["query", join(dir, "nope")], 1, /nope: no such directory/],
    [["query", DEMO, "-g", "state,bogus"], 2, /-g: unknown column 'bogus'/],
    [["query", DEMO, "-w", "state=RUN AND"], 2, /-w: expression ends too early/],
    [["query", DEMO, "--from", "yesterday"], 2, /--from: bad time 'yesterday'/],
    [["query", DEMO, "--from", "13:30", "--to", "13:10"], 2, /--from must be before --to/],
    [["query", DEMO, "--format", "xml"], 2, /--format must be one of/],
    [["query", DEMO, "--sql", `COPY (SELECT 1) TO '${dir}/x.csv'`], 2, /only a read-only SELECT/],
    [["query", DEMO, "--sql", "SELECT 1; SELECT 2"], 2, /exactly one statement/],
    [["query", DEMO, "--sql", "SELECT nosuch FROM samples"], 2, /--sql: .*nosuch/],
    [["query", DEMO, "-w", "comm~'(?=x)'"], 1, /query failed: /],
    [["query", mkdtempSync(join(dir, "empty-"))], 1, /no tsnap or xcapture sample files/],
  ];
  for (const [argv, code, re] of cases) {
    const r = await runCli(argv);
    assert.equal(r.code, code, `${argv.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, re, argv.join(" "));
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  assert.ok(!existsSync(join(dir, "x.csv")), "the refused COPY wrote nothing");
});

test("--sql runs a read-only SELECT over the views", { skip }, async () => {
  const r = await runCli([
    "query",
    DEMO,
    "--sql",
    "SELECT count(*) AS n, count(DISTINCT timestamp) AS rounds FROM samples",
    "--format",
    "json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const duck = await Duck.open();
  try {
    const ref = await duck.all(
      `SELECT count(*) AS n, count(DISTINCT timestamp) AS rounds FROM read_parquet('${DEMO}/xcapture_samples_*.parquet')`,
    );
    assert.deepEqual(JSON.parse(r.stdout).rows, ref);
  } finally {
    duck.close();
  }
});

test("--hist io prints bcc log2 histograms whose counts equal the distinct completions", {
  skip,
}, async () => {
  const r = await runCli(["query", DEMO, "-g", "devname", "--hist", "io", "--format", "json"]);
  assert.equal(r.code, 0, r.stderr);
  const hs = JSON.parse(r.stdout).histograms as { key: Rec; counts: number[]; events: number }[];
  const duck = await Duck.open();
  try {
    const ref = await duck.all(`
      SELECT count(*) AS n, count(*) FILTER (WHERE duration_ns // 1000 BETWEEN 65536 AND 131071) AS slot16
      FROM (SELECT DISTINCT io.insert_tid, io.iorq_seq_num, io.duration_ns
            FROM read_parquet('${DEMO}/xcapture_samples_*.parquet') s
            JOIN read_parquet('${DEMO}/xcapture_iorqend_*.parquet') io ON io.insert_tid = s.tid AND io.iorq_seq_num = s.iorq_seq_num
            WHERE io.dev_maj = 8 AND io.dev_min = 32)`);
    const sdc = hs.find((h) => h.key.devname === "sdc");
    assert.ok(sdc);
    assert.equal(sdc.events, ref[0].n);
    assert.equal(
      sdc.counts.reduce((a, b) => a + b, 0),
      ref[0].n,
    );
    assert.equal(sdc.counts[16], ref[0].slot16);
  } finally {
    duck.close();
  }
  const text = await runCli(["query", DEMO, "-g", "devname", "--hist", "io", "--limit", "1"]);
  assert.match(text.stdout, /^ {5}usecs {15}: count {4}distribution$/m);
  assert.match(text.stdout, /^ {5}65536 -> 131071 {5}: \d+ +\|\*+ *\|$/m);
});

test("--stacks kernel: the top stacks and their avg_threads equal hand-written SQL", { skip }, async () => {
  const r = await runCli(["query", DEMO, "--stacks", "kernel", "--limit", "5", "--format", "json"]);
  assert.equal(r.code, 0, r.stderr);
  const ours = JSON.parse(r.stdout).stacks as {
    hash: string;
    avg_threads: number;
    frames: string[] | null;
  }[];
  const duck = await Duck.open();
  try {
    const ref = await duck.all(`
      SELECT NULLIF(s.kstack_hash, '0') AS hash, sum(weight_us) / 1e6 / 3600 AS avg_threads, any_value(k.kstack_syms) AS syms
      FROM read_parquet('${DEMO}/xcapture_samples_*.parquet') s
      LEFT JOIN (SELECT DISTINCT kstack_hash, kstack_syms FROM read_parquet('${DEMO}/xcapture_kstacks_*.parquet')) k ON k.kstack_hash = s.kstack_hash
      GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5`);
    assert.deepEqual(
      ours.map((s) => [s.hash, s.avg_threads.toFixed(9), s.frames?.join(";") ?? null]),
      ref.map((s) => [s.hash, Number(s.avg_threads).toFixed(9), s.syms]),
    );
  } finally {
    duck.close();
  }
  const text = await runCli(["query", DEMO, "--stacks", "kernel", "--limit", "3"]);
  assert.match(text.stdout, /avg_threads {2}\d+ samples/);
});

const asNobody =
  process.getuid?.() === 0 && existsSync("/usr/bin/setpriv")
    ? false
    : "needs root and setpriv to run as another user";

test("no permission: an unreadable file is named and skipped, an unreadable directory is one line", {
  skip: skip || asNobody,
}, async () => {
  const d = mkdtempSync(join(dir, "perm-"));
  chmodSync(dir, 0o755);
  chmodSync(d, 0o755);
  for (const t of ["samples", "kstacks"])
    copyFileSync(join(DEMO, `xcapture_${t}_${H}.parquet`), join(d, `xcapture_${t}_${H}.parquet`));
  chmodSync(join(d, `xcapture_samples_${H}.parquet`), 0o644);
  chmodSync(join(d, `xcapture_kstacks_${H}.parquet`), 0o600);
  const nobody = (args: string[]) =>
    spawnSync(
      "/usr/bin/setpriv",
      ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, TSNAP_BIN, ...args],
      {
        encoding: "utf8",
      },
    );
  const r = nobody(["query", d, "-g", "kstack_current_func", "--format", "json"]);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(
    r.stderr.trim(),
    `tsnap: ${join(d, `xcapture_kstacks_${H}.parquet`)}: permission denied; skipped`,
  );
  const rows = JSON.parse(r.stdout).rows as Rec[];
  // No dictionary readable: every stack is unresolved (hash 0 means no stack at all).
  assert.deepEqual(
    rows.map((r) => [r.kstack_current_func, r.samples]),
    [
      ["(unresolved)", 99087 - 4133],
      [null, 4133],
    ],
  );
  chmodSync(d, 0o700);
  const r2 = nobody(["query", d]);
  assert.equal(r2.status, 1);
  assert.equal(r2.stderr.trim(), `tsnap: ${d}: permission denied`);
});
