// No silent row loss: a real capture (`tsnap capture`, proc source) whose samples CSV has
// 200 bytes overwritten mid-file. Truth: the lines of the undamaged copy that the damaged
// byte range does not touch. `tsnap query` names the file and line and exits 1 with every
// good row counted; conversion keeps every good row, the damaged original and a record.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Duck } from "../query/duck.js";
import { runCli } from "../testkit/cli.js";
import { convertPart, DAMAGED_RECORD_SUFFIX, DAMAGED_SUFFIX } from "./convert.js";
import { listParts } from "./parts.js";

let root = "";
let cap = "";
let samplesName = "";
/** sum(tid) and count of the original rows the damage does not touch. */
let goodRows = 0;
let goodTidSum = 0n;
/** Line number (in the damaged file) of the first damaged line. */
let firstBadLine = 0;
let damaged: Buffer;

/** Byte ranges [start, end) of the CSV records after the header; a quoted field may hold "\n". */
function records(buf: Buffer): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = buf.indexOf(10) + 1;
  let quoted = false;
  for (let i = start; i < buf.length; i++) {
    if (buf[i] === 0x22) quoted = !quoted;
    else if (buf[i] === 10 && !quoted) {
      out.push([start, i]);
      start = i + 1;
    }
  }
  return out;
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), "tsnap-dmg-"));
  cap = join(root, "cap");
  // A process whose command line holds a newline and a comma, and a shell script of 300
  // lines (as a CI runner's): its rows are records of many lines.
  const script = Array.from({ length: 300 }, (_, i) => `echo "${i}"`).join("\n");
  const twoLines = spawn("sh", ["-c", "sleep 30; :", "x,\ny", script], { stdio: "ignore" });
  const r = await runCli([
    "capture",
    "-o",
    cap,
    "--source",
    "proc",
    "-a",
    "--hz",
    "10",
    "-d",
    "4",
    "--format",
    "csv",
  ]);
  twoLines.kill();
  assert.equal(r.code, 0, r.stderr);
  samplesName = readdirSync(cap).find((n) => n.startsWith("tsnap_samples_") && n.endsWith(".csv")) ?? "";
  const path = join(cap, samplesName);
  const orig = readFileSync(path);
  // 200 bytes mid-file: invalid UTF-8 with a stray quote in the middle.
  const off = Math.floor(orig.length / 2);
  const junk = Buffer.alloc(200, 0xff);
  junk[100] = 0x22;
  damaged = Buffer.from(orig);
  junk.copy(damaged, off);
  writeFileSync(path, damaged);
  // Truth from the original bytes: records whose bytes [start, end] miss [off, off + 200).
  const recs = records(orig);
  assert.ok(
    recs.some(([s, e]) => orig.subarray(s, e).includes("x,\ny")),
    "the two-line command line is in the capture",
  );
  for (const [start, end] of recs) {
    const touched = end >= off && start < off + 200;
    if (!touched) {
      goodRows++;
      goodTidSum += BigInt(orig.subarray(start, end).toString().split(",")[2]);
    }
  }
  firstBadLine = orig.subarray(0, off).toString("latin1").split("\n").length;
  assert.ok(goodRows > 100, `a capture with rows (${goodRows})`);
});
after(() => rmSync(root, { recursive: true, force: true }));

test("query: the damaged file and line are named, exit 1, every good row is read", async () => {
  const r = await runCli([
    "query",
    cap,
    "--sql",
    "SELECT count(*) AS n, sum(tid)::VARCHAR AS tids FROM samples",
    "--format",
    "json",
  ]);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(
    lines[0],
    new RegExp(`^tsnap: ${join(cap, samplesName)}: \\d+ lines? do not parse \\(lines? ${firstBadLine}\\b`),
  );
  assert.deepEqual(JSON.parse(r.stdout).rows, [{ n: goodRows, tids: goodTidSum.toString() }]);
  assert.deepEqual(readFileSync(join(cap, samplesName)), damaged, "query leaves the file as it was");
});

test("conversion: good rows to Parquet, the damaged original kept, the loss recorded and said", async () => {
  const dir = join(root, "conv");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  for (const n of readdirSync(cap)) copyFileSync(join(cap, n), join(dir, n));
  const notes: string[] = [];
  for (const p of listParts(dir)) await convertPart(dir, p.files, { notice: (l) => notes.push(l) });
  const csv = join(dir, samplesName);
  assert.equal(notes.length, 1, notes.join("\n"));
  assert.match(
    notes[0],
    new RegExp(`${csv}: \\d+ lines? do not parse \\(lines? ${firstBadLine}\\b.*${goodRows} good rows`),
  );
  assert.ok(!existsSync(csv));
  assert.deepEqual(readFileSync(csv + DAMAGED_SUFFIX), damaged, "the damaged original stays, byte for byte");
  const record = JSON.parse(readFileSync(csv + DAMAGED_RECORD_SUFFIX, "utf8"));
  assert.equal(record.good_rows, goodRows);
  assert.equal(record.lost_line_ranges[0][0], firstBadLine);
  const pq = csv.replace(/\.csv$/, ".parquet");
  const duck = await Duck.open();
  try {
    const [got] = await duck.all(
      `SELECT count(*) AS n, sum(tid)::VARCHAR AS tids FROM read_parquet('${pq}')`,
    );
    assert.deepEqual(got, { n: goodRows, tids: goodTidSum.toString() });
  } finally {
    duck.close();
  }
  // The converted directory reads without complaint (the damaged file is no partition).
  const q = await runCli(["query", dir, "--sql", "SELECT count(*) AS n FROM samples", "--format", "json"]);
  assert.equal(q.code, 0, q.stderr);
  assert.deepEqual(JSON.parse(q.stdout).rows, [{ n: goodRows }]);
  // Converting again (a restart) changes nothing and deletes nothing.
  for (const p of listParts(dir)) await convertPart(dir, p.files);
  assert.ok(existsSync(csv + DAMAGED_SUFFIX));
});
