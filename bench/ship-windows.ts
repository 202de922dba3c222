// Benchmark of ship's windows: what cutting a segment of the open hour costs as the hour
// fills, and the closing segment. One synthetic host at 1 Hz with --threads sampled threads
// (and a syscall completion per thread every 10 s, a few stack entries) is appended to a
// capture directory's CSV files minute by minute, as the capture writes them; after each
// minute shipOnce runs with --segment (a store that takes every body and answers its MD5:
// only the cut is timed, not the network). Then the hour is converted to Parquet, as the
// capture does, and the closing segment (the hour EXCEPT ALL its windows) is timed.
// Prints min, median and max of the window cuts, the late hour's, and the closing cut.
//   node dist/bench/ship-windows.js [--threads 50] [--segment 5m]
import { createHash } from "node:crypto";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { dirBytes, shipOnce } from "../src/fleet/ship.js";
import { parseDurationUs } from "../src/query/time-range.js";
import { convertPart } from "../src/store/convert.js";
import { listParts } from "../src/store/parts.js";
import { TABLES, type TableName } from "../src/store/schema.js";

const { values } = parseArgs({
  options: {
    threads: { type: "string", default: "50" },
    segment: { type: "string", default: "5m" },
  },
});
const threads = Number(values.threads);
const segmentUs = parseDurationUs(values.segment, "--segment");
const root = mkdtempSync(join(tmpdir(), "tsnap-shipw-bench-"));
const dir = join(root, "cap");
const spoolDir = join(root, "spool");
const t0Us = Date.parse("2026-01-02T04:00:00Z") * 1000;
const hour = "2026-01-02.04";

const FILL: Record<string, string> = {
  timestamp: "make_timestamp(CAST($t0 + s * 1000000 AS BIGINT))",
  sysc_enter_time: "make_timestamp(CAST($t0 + s * 1000000 - 5000 AS BIGINT))",
  weight_us: "1000000",
  tid: "1000 + th",
  tgid: "1000 + th // 4",
  state: "['RUN', 'RUNQ', 'DISK', 'SLEEP', 'SLEEP', 'SLEEP'][1 + (th + s) % 6]",
  syscall:
    "CASE WHEN (th + s) % 6 = 0 THEN NULL ELSE ['read', 'pread64', 'futex', 'epoll_wait', 'write'][1 + (th * 7 + s) % 5] END",
  syscall_name: "'read'",
  duration_ns: "5000000",
  comm: "'worker' || (th % 8)",
  username: "'app'",
  exe: "'/usr/bin/app'",
  wchan: "CASE WHEN (th + s) % 6 >= 3 THEN 'do_epoll_wait' ELSE NULL END",
  kstack_hash: "'k' || (th % 16)",
  kstack_syms: "'entry_SYSCALL_64;do_syscall_64;ksys_read;vfs_read;k' || th",
  cpu: "CAST(th % 2 AS INTEGER)",
  sysc_seq_num: "s * 10 + th",
};
const FROM: Partial<Record<TableName, string>> = {
  samples: `range($a, $b) r(s), range(${threads}) t(th)`,
  rounds: "range($a, $b) r(s), (SELECT 0 AS th)",
  syscend: `range($a, $b) r(s), range(${threads}) t(th) WHERE (s + th) % 10 = 0`,
  kstacks: `range($a, $b) r(s), range(16) t(th) WHERE s = 0 AND $a = 0`,
};
const file = (t: string) => join(dir, `tsnap_${t}_${hour}.csv`);

const db = await DuckDBInstance.create(":memory:");
const conn = await db.connect();
rmSync(dir, { recursive: true, force: true });
(await import("node:fs")).mkdirSync(dir, { mode: 0o700 });
// Rows of minute m, appended as the capture would (rounds last).
async function appendMinute(m: number): Promise<void> {
  for (const table of ["kstacks", "syscend", "samples", "rounds"] as TableName[]) {
    const cols = TABLES[table].columns.map((c) => `${FILL[c.name] ?? "NULL"}::${c.type} AS "${c.name}"`);
    const tmp = join(root, `${table}.tmp.csv`);
    await conn.run(
      `COPY (SELECT ${cols.join(", ")} FROM ${FROM[table]}) TO '${tmp}' (HEADER, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S.%f')`,
      { t0: t0Us, a: m * 60, b: (m + 1) * 60 },
    );
    const text = readFileSync(tmp, "utf8");
    const [header, ...rest] = text.split("\n");
    if (m === 0) writeFileSync(file(table), `${header}\n`, { mode: 0o600 });
    appendFileSync(file(table), rest.join("\n"));
  }
}

const store = { put: async (_key: string, body: Buffer) => createHash("md5").update(body).digest("hex") };
const opts = {
  dir,
  spoolDir,
  host: "h0001",
  service: "api",
  prefix: "",
  store,
  notice: (l: string) => console.error(l),
  segmentUs,
};
const cuts: { minute: number; ms: number; spool: number }[] = [];
for (let m = 0; m < 60; m++) {
  await appendMinute(m);
  const t = performance.now();
  const s = await shipOnce(opts);
  const ms = performance.now() - t;
  if (s.windows > 0) cuts.push({ minute: m + 1, ms, spool: dirBytes(spoolDir) });
}
const [part] = listParts(dir);
await convertPart(dir, part.files);
const t = performance.now();
const closing = await shipOnce(opts);
const closeMs = performance.now() - t;
conn.closeSync();
db.closeSync();

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0].toFixed(0)}/${s[Math.floor((s.length - 1) / 2)].toFixed(0)}/${s[s.length - 1].toFixed(0)} ms`;
};
console.log(
  `ship windows: 1 host, ${threads} threads at 1 Hz (${threads * 3600} samples an hour), --segment ${values.segment}`,
);
console.log(`window cuts (${cuts.length}), min/median/max: ${stats(cuts.map((c) => c.ms))}`);
console.log(`  the hour's last third: ${stats(cuts.filter((c) => c.minute > 40).map((c) => c.ms))}`);
console.log(
  `  spool at the hour's end: ${(cuts[cuts.length - 1]?.spool / 2 ** 20).toFixed(1)} MiB (kept windows)`,
);
console.log(
  `closing segment (hour EXCEPT ALL windows): ${closeMs.toFixed(0)} ms, ${closing.objects} objects`,
);
rmSync(root, { recursive: true, force: true });
