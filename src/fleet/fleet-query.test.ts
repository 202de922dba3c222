// tsnap fleet in chDB against tsnap query in DuckDB on the same data: two hosts' real
// captures (proc source) shipped to a real s3rver; the fleet's avg_threads per group is the
// sum of the two hosts' local answers (samples equal, avg_threads to 1e-9), per host equal
// to that host's, over the store and over a local mirror alike; a host without rounds in
// the window is reported, not averaged in; user values stay bound parameters. --stacks
// against each host's tsnap query --stacks; devname on two more hosts' bpf captures of
// O_DIRECT writes, one of them with other device names (another machine's partitions).
// Every figure is compared between two readers of the same files, none with the CPU's states:
// test-lane: together
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { Duck } from "../query/duck.js";
import { TABLES } from "../store/schema.js";
import { ChdbHttp } from "../testkit/chdb-http.js";
import { runCli, runTsnap } from "../testkit/cli.js";
import { captureBpfIo, captureFakeHours } from "../testkit/fleet-capture.js";
import { freePort, S3RVER_KEY, S3rver } from "../testkit/s3rver.js";
import { sourceUnavailable } from "../testkit/sampler-backends.js";
import { REPO_ROOT } from "../testkit/workloads.js";
import { loadChdb } from "./chdb.js";
import { clickhouseDdl, clusterSql, insertFromS3Sql, rollupSql } from "./clickhouse-ddl.js";
import { fleetSql, tableTarget } from "./fleet-query.js";
import { parseS3Url } from "./fleet-target.js";
import { S3Client } from "./s3-client.js";
import { shipOnce } from "./ship.js";

const chdbMissing = await loadChdb().then(
  () => false,
  () => true,
);
const skip = !S3rver.available()
  ? "s3rver is not installed (npm devDependency: scripts/setup.sh)"
  : chdbMissing
    ? "chDB is not installed (scripts/setup.sh --tests installs it into build/chdb)"
    : false;

/** devname needs block I/O with completions: the bpf source. */
const ioSkip =
  skip ||
  ((await sourceUnavailable("bpf"))
    ? `the bpf source cannot run here: ${await sourceUnavailable("bpf")}`
    : false);

const BUCKET = "tsnap-fleet";
let root = "";
let server: S3rver;
let endpoint = "";
let mirror = "";
const dirs: Record<string, string> = {};
const FROM = "2026-01-02T03:59:50";
const TO = "2026-01-02T04:00:30";
/** The bpf hosts (gamma, delta), shipped under the prefix io. */
const ioDirs: Record<string, string> = {};
const IO_FROM = "2026-01-03T05:00:00";
const IO_TO = "2026-01-03T05:01:00";

type Row = Record<string, unknown>;
const key = (r: Row, cols: string[]) => cols.map((c) => String(r[c] ?? "")).join("|");

async function local(
  dir: string,
  groups: string,
  from = FROM,
  to = TO,
  where: string[] = [],
): Promise<Row[]> {
  const r = await runCli([
    "query",
    ...where.flatMap((w) => ["-w", w]),
    dir,
    "-g",
    groups,
    "--from",
    from,
    "--to",
    to,
    "--format",
    "json",
    "--limit",
    "0",
    "--lat",
    "none",
  ]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).rows;
}

async function fleet(target: string, args: string[]): Promise<{ hosts: Row[]; rows: Row[] }> {
  const r = await runCli([
    "fleet",
    target,
    ...(target.startsWith("s3://") ? ["--endpoint", endpoint] : []),
    "--format",
    "json",
    ...args,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** Σ over hosts of the local answers, per group key. */
function summed(parts: Row[][], cols: string[]): Map<string, { samples: number; avg: number }> {
  const m = new Map<string, { samples: number; avg: number }>();
  for (const rows of parts)
    for (const r of rows) {
      const k = key(r, cols);
      const e = m.get(k) ?? { samples: 0, avg: 0 };
      e.samples += Number(r.samples);
      e.avg += Number(r.avg_threads);
      m.set(k, e);
    }
  return m;
}

function assertSame(
  got: Row[],
  want: Map<string, { samples: number; avg: number }>,
  cols: string[],
  what: string,
) {
  assert.equal(
    got.length,
    want.size,
    `${what}: groups ${got.map((r) => key(r, cols)).join(",")} vs ${[...want.keys()].join(",")}`,
  );
  for (const r of got) {
    const w = want.get(key(r, cols));
    assert.ok(w, `${what}: ${key(r, cols)} not in the local answers`);
    assert.equal(Number(r.samples), w.samples, `${what}: samples of ${key(r, cols)}`);
    assert.ok(
      Math.abs(Number(r.avg_threads) - w.avg) <= 1e-9 * Math.max(1, w.avg),
      `${what}: avg_threads of ${key(r, cols)}: ${r.avg_threads} vs ${w.avg}`,
    );
  }
}

/**
 * Latency histogram rows beside each part's rounds (the proc source writes none): per
 * round, syscall buckets of read and futex and a run-queue bucket, counts varying by round
 * and host. Made before shipping, so they ship and are queried like captured ones.
 */
async function addLathist(dir: string): Promise<void> {
  const duck = await Duck.open();
  try {
    for (const name of readdirSync(dir).filter((n) => /^tsnap_rounds_.*\.parquet$/.test(n))) {
      const cols = TABLES.lathist.columns.map(
        (c) => `${LATHIST_FILL[c.name] ?? "NULL"}::${c.type} AS "${c.name}"`,
      );
      await duck.run(
        `COPY (SELECT ${cols.join(", ")} FROM read_parquet('${join(dir, name)}') r, (VALUES ('sc', 'read', 37), ('sc', 'read', 80), ('sc', 'futex', 120), ('rq', NULL, 20)) v(k, sc, b)) TO '${join(dir, name.replace("_rounds_", "_lathist_"))}' (FORMAT parquet)`,
      );
    }
  } finally {
    await duck.close();
  }
}
const LATHIST_FILL: Record<string, string> = {
  timestamp: "r.timestamp",
  interval_us: "r.weight_us",
  kind: "v.k",
  syscall: "v.sc",
  tgid: "CASE WHEN v.k = 'rq' THEN 4242 ELSE 0 END",
  comm: "CASE WHEN v.k = 'rq' THEN 'worker' ELSE NULL END",
  bucket: "v.b",
  slot: "v.b // 16",
  count: `1 + (epoch_us(r.timestamp) // 1000000 + v.b) % 4`,
};

before(async () => {
  if (skip) return;
  root = mkdtempSync(join(tmpdir(), "tsnap-fleet-"));
  server = new S3rver(join(root, "s3"), await freePort(), BUCKET);
  mkdirSync(server.dataDir);
  await server.start();
  endpoint = `http://127.0.0.1:${server.port}`;
  process.env.AWS_ACCESS_KEY_ID = S3RVER_KEY;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_KEY;
  const store = new S3Client(parseS3Url(`s3://${BUCKET}/prod`, endpoint), {
    accessKeyId: S3RVER_KEY,
    secretAccessKey: S3RVER_KEY,
  });
  // beta starts 5 s after alpha: the first 5 s have one host reporting.
  for (const [host, start] of [
    ["alpha", "2026-01-02T03:59:50Z"],
    ["beta", "2026-01-02T03:59:55Z"],
  ]) {
    dirs[host] = join(root, host);
    mkdirSync(dirs[host], { mode: 0o700 });
    await captureFakeHours(dirs[host], start, 20);
    await addLathist(dirs[host]);
    const s = await shipOnce({
      dir: dirs[host],
      spoolDir: join(root, `spool-${host}`),
      host,
      service: host === "alpha" ? "api" : "db",
      prefix: "prod",
      store,
      notice: () => {},
    });
    assert.equal(s.segments, 2);
  }
  if (!ioSkip)
    for (const host of ["gamma", "delta"]) {
      ioDirs[host] = join(root, host);
      mkdirSync(ioDirs[host], { mode: 0o700 });
      assert.ok((await captureBpfIo(ioDirs[host], `${IO_FROM}Z`, 60)) > 0);
      if (host === "delta") {
        // Another machine: the same device numbers name other devices there.
        const path = join(ioDirs[host], "partitions");
        writeFileSync(
          path,
          readFileSync(path, "utf8").replace(/^(\s*\d+\s+\d+\s+\d+\s+)(\S+)$/gm, "$1$2-delta"),
        );
      }
      const s = await shipOnce({
        dir: ioDirs[host],
        spoolDir: join(root, `spool-${host}`),
        host,
        service: "io",
        prefix: "io",
        store,
        notice: () => {},
      });
      assert.ok(s.segments >= 1);
    }
  mirror = join(root, "mirror");
  for (const o of await store.list("prod/")) {
    const path = join(mirror, o.key.slice("prod/".length));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, await store.get(o.key));
  }
});

after(async () => {
  if (skip) return;
  await server.stop();
  rmSync(root, { recursive: true, force: true });
});

test("fleet total per state,syscall = the sum of each host's tsnap query; the mirror answers the same", {
  skip,
}, async () => {
  const want = summed(
    [await local(dirs.alpha, "state,syscall"), await local(dirs.beta, "state,syscall")],
    ["state", "syscall"],
  );
  const args = ["-g", "state,syscall", "--from", FROM, "--to", TO, "--limit", "0"];
  const s3 = await fleet(`s3://${BUCKET}/prod`, args);
  assertSame(s3.rows, want, ["state", "syscall"], "s3");
  assert.ok(
    s3.rows.some((r) => Number(r.hosts) === 2),
    "some groups sum over both hosts",
  );
  assert.deepEqual(
    s3.hosts.map((h) => h.host),
    ["alpha", "beta"],
  );
  const dir = await fleet(mirror, args);
  assert.deepEqual(dir, s3);
});

test("fleet -g host,state: each host's rows are that host's tsnap query; -w service= narrows", {
  skip,
}, async () => {
  const r = await fleet(`s3://${BUCKET}/prod`, ["-g", "host,state", "--from", FROM, "--to", TO]);
  for (const host of ["alpha", "beta"]) {
    const want = summed([await local(dirs[host], "state")], ["state"]);
    assertSame(
      r.rows.filter((x) => x.host === host),
      want,
      ["state"],
      host,
    );
  }
  const db = await fleet(mirror, ["-g", "state", "-w", "service=db", "--from", FROM, "--to", TO]);
  assertSame(db.rows, summed([await local(dirs.beta, "state")], ["state"]), ["state"], "service=db");
});

test("fleet -g kstack_current_func,comm2 and -g kstack_syms: the sum of each host's tsnap query; -w on a stack column as tsnap query's", {
  skip,
}, async (t) => {
  for (const groups of ["kstack_current_func,comm2", "kstack_syms", "state,ustack_syms"]) {
    const cols = groups.split(",");
    const want = summed([await local(dirs.alpha, groups), await local(dirs.beta, groups)], cols);
    // The capture read /proc/PID/task/TID/stack: the sleeping and reading threads have stacks.
    if (groups !== "state,ustack_syms")
      assert.ok(
        [...want.keys()].some((k) => k.split("|")[0] !== ""),
        `${groups}: the local answers have stacks: ${[...want.keys()].join(",")}`,
      );
    const r = await fleet(mirror, ["-g", groups, "--from", FROM, "--to", TO, "--limit", "0"]);
    assertSame(r.rows, want, cols, groups);
    t.diagnostic(
      `${groups}: ${r.rows.map((x) => `${key(x, cols).slice(0, 60)} ${Number(x.avg_threads).toFixed(2)}`).join(" / ")}`,
    );
  }
  // The busiest named function: -w keeps exactly its rows, as tsnap query's -w does.
  const tops = await local(dirs.alpha, "kstack_current_func");
  const func = String(tops.find((x) => x.kstack_current_func)!.kstack_current_func);
  const w = `kstack_current_func=${func}`;
  const want = summed(
    [await local(dirs.alpha, "state", FROM, TO, [w]), await local(dirs.beta, "state", FROM, TO, [w])],
    ["state"],
  );
  const r = await fleet(`s3://${BUCKET}/prod`, ["-g", "state", "-w", w, "--from", FROM, "--to", TO]);
  assertSame(r.rows, want, ["state"], w);
});

test("a window where one host sent nothing: it is reported missing, not averaged in", { skip }, async () => {
  const from = "2026-01-02T03:59:50";
  const to = "2026-01-02T03:59:55";
  const r = await fleet(`s3://${BUCKET}/prod`, ["-g", "state", "--from", from, "--to", to]);
  assert.deepEqual(
    r.hosts.map((h) => h.host),
    ["alpha"],
  );
  assertSame(
    r.rows,
    summed([await local(dirs.alpha, "state", from, to)], ["state"]),
    ["state"],
    "alpha only",
  );
  const t = await runCli(["fleet", mirror, "-g", "state", "--from", from, "--to", to]);
  assert.match(t.stdout, /=== Fleet: 1 of 2 hosts reporting ===/);
});

test("fleet --hist: each key's buckets are the sum of each host's tsnap query --hist; -w host= narrows", {
  skip,
}, async () => {
  const hist = async (args: string[]) => {
    const r = await runCli([...args, "--from", FROM, "--to", TO, "--format", "json"]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).histograms as { key: string; n: number; buckets: Record<string, number> }[];
  };
  const sum = (
    parts: { key: string; buckets: Record<string, number> }[][],
    keyOf: (k: string, i: number) => string,
  ) => {
    const m = new Map<string, Record<string, number>>();
    parts.forEach((hs, i) => {
      for (const h of hs) {
        const k = keyOf(h.key, i);
        const b = m.get(k) ?? {};
        for (const [bucket, n] of Object.entries(h.buckets)) b[bucket] = (b[bucket] ?? 0) + n;
        m.set(k, b);
      }
    });
    return m;
  };
  const local = [
    await hist(["query", dirs.alpha, "--hist", "sc"]),
    await hist(["query", dirs.beta, "--hist", "sc"]),
  ];
  assert.ok(
    local.every((l) => l.length === 2),
    "read and futex on each host",
  );
  const fleetSc = await hist(["fleet", mirror, "--hist", "sc"]);
  assert.deepEqual(
    sum([fleetSc], (k) => k),
    sum(local, (k) => k),
  );
  const alphaOnly = await hist([
    "fleet",
    `s3://${BUCKET}/prod`,
    "--endpoint",
    endpoint,
    "--hist",
    "sc",
    "-w",
    "host=alpha",
  ]);
  assert.deepEqual(
    sum([alphaOnly], (k) => k),
    sum([local[0]], (k) => k),
  );
  // Run queue: per process, named host/pid across the fleet.
  const rq = await hist(["fleet", mirror, "--hist", "rq"]);
  const localRq = [
    await hist(["query", dirs.alpha, "--hist", "rq"]),
    await hist(["query", dirs.beta, "--hist", "rq"]),
  ];
  assert.deepEqual(
    sum([rq], (k) => k),
    sum(localRq, (k, i) => `${["alpha", "beta"][i]}/${k}`),
  );
  const bad = await runCli(["fleet", mirror, "--hist", "sc", "-w", "state=RUN"]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /histograms take -w host= or service= only/);
});

test("fleet --stacks kernel: each stack's samples and avg_threads are the sum of each host's tsnap query --stacks; -w narrows alike", {
  skip,
}, async () => {
  type Stack = { hash: string | null; samples: number; avg_threads: number; frames: string[] | null };
  const localStacks = async (dir: string, where: string[]) => {
    const r = await runCli([
      "query",
      dir,
      "--stacks",
      "kernel",
      ...where.flatMap((w) => ["-w", w]),
      "--from",
      FROM,
      "--to",
      TO,
      "--format",
      "json",
      "--limit",
      "1000",
    ]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).stacks as Stack[];
  };
  // One stack: the same frames on every host; an unresolved hash is its host's; no stack is one row.
  const keyOf = (x: Stack, host: string) =>
    x.frames ? `=${x.frames.join(";")}` : x.hash === null ? "" : `?${host}/${x.hash}`;
  const top = String((await local(dirs.alpha, "state"))[0].state);
  for (const where of [[], [`state=${top}`]]) {
    const parts = { alpha: await localStacks(dirs.alpha, where), beta: await localStacks(dirs.beta, where) };
    const want = new Map<string, { samples: number; avg: number; hashes: Set<string> }>();
    for (const [host, stacks] of Object.entries(parts))
      for (const x of stacks) {
        const k = keyOf(x, host);
        const e = want.get(k) ?? { samples: 0, avg: 0, hashes: new Set<string>() };
        e.samples += x.samples;
        e.avg += x.avg_threads;
        if (x.hash !== null) e.hashes.add(x.hash);
        want.set(k, e);
      }
    assert.ok(
      [...want.keys()].some((k) => k.startsWith("=")),
      `the hosts' threads had kernel stacks: ${[...want.keys()].join(",")}`,
    );
    const r = await runCli([
      "fleet",
      mirror,
      "--stacks",
      "kernel",
      ...where.flatMap((w) => ["-w", w]),
      "--from",
      FROM,
      "--to",
      TO,
      "--format",
      "json",
      "--limit",
      "1000",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const got = JSON.parse(r.stdout) as { hosts: Row[]; stacks: (Stack & { hosts: number })[] };
    assert.equal(got.hosts.length, 2);
    assert.equal(got.stacks.length, want.size, `${where}: ${got.stacks.map((x) => x.hash).join(",")}`);
    for (const x of got.stacks) {
      const k = x.frames ? `=${x.frames.join(";")}` : x.hash === null ? "" : `?${x.hash}`;
      const w = want.get(k);
      assert.ok(w, `${where}: ${k.slice(0, 80)} not in the hosts' answers`);
      assert.equal(x.samples, w.samples, `${where}: samples of ${k.slice(0, 80)}`);
      assert.ok(
        Math.abs(x.avg_threads - w.avg) <= 1e-9 * Math.max(1, w.avg),
        `${where}: avg_threads of ${k.slice(0, 80)}: ${x.avg_threads} vs ${w.avg}`,
      );
      // The proc source hashes a stack's text: the hosts share its hash, and the fleet shows it.
      if (x.frames && w.hashes.size === 1) assert.equal(x.hash, [...w.hashes][0]);
    }
    assert.ok(
      got.stacks.some((x) => x.hosts === 2),
      "some stacks were on both hosts",
    );
  }
  const text = await runCli([
    "fleet",
    mirror,
    "--stacks",
    "kernel",
    "--from",
    FROM,
    "--to",
    TO,
    "--limit",
    "2",
  ]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^=== Fleet: 2 of 2 hosts reporting ===/);
  assert.equal(text.stdout.match(/avg_threads {2}\d+ samples/g)?.length, 2, text.stdout);
  for (const [flag, ...rest] of [
    ["-g", "state"],
    ["--hist", "sc"],
  ]) {
    const bad = await runCli(["fleet", mirror, "--stacks", "kernel", flag, ...rest]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, new RegExp(`--stacks cannot be combined with ${flag}`));
  }
});

test("fleet devname, io_bytes, iorq_flags, sysc_ret_val: each host's I/O named by that host's own devices; the sum of each host's tsnap query", {
  skip: ioSkip,
}, async () => {
  const io = `s3://${BUCKET}/io`;
  const hostLocal = (host: string, groups: string, where: string[] = []) =>
    local(ioDirs[host], groups, IO_FROM, IO_TO, where);
  for (const groups of ["devname", "devname,state", "devname,io_bytes,iorq_flags,sysc_ret_val"]) {
    const cols = groups.split(",");
    const want = summed([await hostLocal("gamma", groups), await hostLocal("delta", groups)], cols);
    const r = await fleet(io, ["-g", groups, "--from", IO_FROM, "--to", IO_TO, "--limit", "0"]);
    assertSame(r.rows, want, cols, groups);
  }
  // Each host's samples in flight are named by its own partitions: delta's differ.
  const names = (rows: Row[]) =>
    new Set(rows.map((x) => x.devname).filter((x) => x !== null && x !== undefined));
  const gammaNames = names(await hostLocal("gamma", "devname"));
  const deltaNames = names(await hostLocal("delta", "devname"));
  assert.ok(gammaNames.size > 0, "gamma's samples saw I/O on a named device");
  assert.ok(
    [...deltaNames].every((n) => String(n).endsWith("-delta")) && deltaNames.size > 0,
    [...deltaNames].join(","),
  );
  const byHost = await fleet(io, ["-g", "host,devname", "--from", IO_FROM, "--to", IO_TO, "--limit", "0"]);
  for (const host of ["gamma", "delta"])
    assertSame(
      byHost.rows.filter((x) => x.host === host),
      summed([await hostLocal(host, "devname")], ["devname"]),
      ["devname"],
      host,
    );
  // -w devname= keeps exactly that device's samples, as tsnap query's -w does.
  const dev = String([...gammaNames][0]);
  const w = await fleet(io, ["-g", "state", "-w", `devname=${dev}`, "--from", IO_FROM, "--to", IO_TO]);
  assertSame(
    w.rows,
    summed(
      [
        await hostLocal("gamma", "state", [`devname=${dev}`]),
        await hostLocal("delta", "state", [`devname=${dev}`]),
      ],
      ["state"],
    ),
    ["state"],
    `devname=${dev}`,
  );
  assert.ok(w.rows.length > 0);
  // A joined number in -w: the writes' return value (65536 bytes each, the workload's block).
  const ret = await fleet(io, ["-g", "state", "-w", "sysc_ret_val=65536", "--from", IO_FROM, "--to", IO_TO]);
  const wantRet = summed(
    [
      await hostLocal("gamma", "state", ["sysc_ret_val=65536"]),
      await hostLocal("delta", "state", ["sysc_ret_val=65536"]),
    ],
    ["state"],
  );
  assert.ok(wantRet.size > 0, "the hosts' samples saw pwrite64 return 65536");
  assertSame(ret.rows, wantRet, ["state"], "sysc_ret_val=65536");
});

test("without chDB: one line saying how to get it, exit 1", { skip }, async () => {
  const r = await runTsnap(["fleet", mirror], {
    env: { ...process.env, TSNAP_CHDB_DIR: join(root, "no-chdb") },
  });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^tsnap: .*chDB is not installed.*scripts\/setup\.sh --tests/);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
});

test("fleet: hostile values are bound, bad columns and targets are one-line usage errors", {
  skip,
}, async () => {
  const r = await fleet(mirror, ["-g", "state", "-w", "state=RUN' OR '1'='1", "--from", FROM, "--to", TO]);
  assert.deepEqual(r.rows, []);
  for (const [argv, code, msg] of [
    [["fleet", mirror, "-g", "state;DROP TABLE x"], 2, /not a fleet column/],
    [["fleet", mirror, "-w", "comm~x"], 2, /col=value or col!=value/],
    [["fleet", mirror, "-w", "tid=1 OR 1=1"], 2, /a whole number/],
    [["fleet", "s3://Bad_Bucket", "--endpoint", endpoint], 2, /bad bucket name/],
    [["fleet", "http://127.0.0.1:1/x"], 2, /give s3:\/\/BUCKET/],
    [["fleet", join(root, "nowhere")], 1, /no shipped/],
  ] as const) {
    const x = await runCli([...argv]);
    assert.equal(x.code, code, `${argv.join(" ")}: ${x.stderr}`);
    assert.match(x.stderr, msg);
    assert.equal(x.stderr.trim().split("\n").length, 1, x.stderr);
  }
});

test("docs/fleet.md's ClickHouse DDL is the generated one, runs in chDB, and its batch INSERT loads every row once", {
  skip,
}, async () => {
  const doc = readFileSync(join(REPO_ROOT, "docs", "fleet.md"), "utf8");
  const block = (name: string) => {
    const m = new RegExp(
      `<!-- ${name}:begin -->\\n\`\`\`sql\\n([\\s\\S]*?)\`\`\`\\n<!-- ${name}:end -->`,
    ).exec(doc);
    assert.ok(m, `docs/fleet.md has the ${name} block`);
    return m[1];
  };
  assert.equal(
    block("ddl"),
    clickhouseDdl(),
    "regenerate: node -e 'import(\"./dist/src/fleet/clickhouse-ddl.js\").then((m) => process.stdout.write(m.clickhouseDdl()))'",
  );
  assert.equal(block("cluster"), `${clusterSql().join(";\n\n")};\n`);
  assert.equal(block("rollup"), `${rollupSql().join(";\n\n")};\n`);
  const ch = await loadChdb();
  const run = async (sql: string, params: object = {}) =>
    (await ch.queryBindAsync(sql, params, { format: "JSONEachRow" }))
      .text()
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Row);
  // Twice: with the documented 90-day TTL, then with 10 years. The test data's day
  // (2026-01-02) is past 90 days on the machine's clock or not: the TTL must drop it or keep it.
  const dataDay = Date.parse("2026-01-02T04:00:00Z");
  const expired = Date.now() - dataDay > 91 * 86400e3;
  const load = async (db: string, ttlDays: number) => {
    for (const stmt of clickhouseDdl(db, ttlDays)
      .split(";\n")
      .filter((x) => x.trim()))
      await run(stmt);
    // The documented batch load, one INSERT per table over the shipped segments.
    for (const table of ["samples", "rounds"] as const)
      await run(
        insertFromS3Sql(db, table, `${endpoint}/${BUCKET}/prod/${table}/**/*.parquet`).replace(
          "'KEY', 'SECRET'",
          `'${S3RVER_KEY}', '${S3RVER_KEY}'`,
        ),
      );
    await run(`OPTIMIZE TABLE ${db}.samples FINAL`);
  };
  const ttlDb = `tsnap_ttl_${process.pid}`;
  await load(ttlDb, 90);
  const kept = Number((await run(`SELECT count() AS n FROM ${ttlDb}.samples`))[0].n);
  if (expired) assert.equal(kept, 0, "rows older than the TTL are dropped");
  else assert.ok(kept > 0, "rows within the TTL are kept");
  await run(`DROP DATABASE ${ttlDb}`);
  const db = `tsnap_test_${process.pid}`;
  await load(db, 3650);
  // Server-only engines: chDB parses them (EXPLAIN AST) but cannot run them.
  for (const stmt of clusterSql(db)) assert.ok((await run(`EXPLAIN AST ${stmt}`)).length > 0, stmt);
  const counts = await run(`SELECT host, count() AS n FROM ${db}.samples GROUP BY host ORDER BY host`);
  for (const c of counts) {
    const local = await runCli([
      "query",
      dirs[String(c.host)],
      "--sql",
      "SELECT count(*) AS n FROM samples",
      "--format",
      "json",
    ]);
    assert.equal(Number(c.n), Number(JSON.parse(local.stdout).rows[0].n), `${c.host}: rows loaded once`);
  }
  assert.equal(counts.length, 2);
  const parts = await run(
    `SELECT uniqExact(partition) AS p FROM system.parts WHERE database = '${db}' AND table = 'samples' AND active`,
  );
  assert.equal(Number(parts[0].p), 1, "one day: one partition");
  // The fleet query over the server's tables answers as over the store.
  const q = {
    groups: [],
    filters: [],
    fromUs: Date.parse(`${FROM}Z`) * 1000,
    toUs: Date.parse(`${TO}Z`) * 1000,
    limit: 0,
  };
  const overTables = fleetSql(q, tableTarget(db));
  const total = await run(overTables.sql, overTables.params);
  const want = summed([await local(dirs.alpha, "state"), await local(dirs.beta, "state")], []);
  assert.ok(
    Math.abs(Number(total[0].avg_threads) - (want.get("")?.avg ?? Number.NaN)) < 1e-9,
    `${total[0].avg_threads} vs ${want.get("")?.avg}`,
  );
  await run(`DROP DATABASE ${db}`);
});

/** The shipped segments loaded into a database by the documented batch INSERT, served over ClickHouse's HTTP interface. */
let engine: Promise<{ url: string; front: ChdbHttp; db: string }> | null = null;
function engineDb() {
  engine ??= (async () => {
    const ch = await loadChdb();
    const run = (sql: string) => ch.queryBindAsync(sql, {}, { format: "JSONEachRow" });
    const db = `tsnap_engine_${process.pid}`;
    for (const stmt of clickhouseDdl(db, 3650)
      .split(";\n")
      .filter((x) => x.trim()))
      await run(stmt);
    // The per-minute rollups' views before the load: every INSERT feeds them.
    for (const stmt of rollupSql(db)) await run(stmt);
    for (const table of ["samples", "rounds", "lathist", "kstacks", "ustacks", "devices"] as const)
      await run(
        insertFromS3Sql(db, table, `${endpoint}/${BUCKET}/prod/${table}/**/*.parquet`).replace(
          "'KEY', 'SECRET'",
          `'${S3RVER_KEY}', '${S3RVER_KEY}'`,
        ),
      );
    const front = await ChdbHttp.start();
    return { url: `clickhouse://127.0.0.1:${front.port}/${db}`, front, db };
  })();
  return engine;
}

after(async () => {
  if (!engine) return;
  const { front, db } = await engine;
  await front.stop();
  await (await loadChdb()).queryBindAsync(`DROP DATABASE IF EXISTS ${db}`, {});
});

async function overEngine(args: string[]): Promise<{ rows: Row[]; hosts: Row[]; rows_read: number }> {
  const { url } = await engineDb();
  const r = await runCli(["query", "--engine", url, "--format", "json", "--limit", "0", ...args]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** Each host's tsnap query with its latency columns (lathist: every completion). */
async function localLat(dir: string, args: string[]): Promise<Row[]> {
  const r = await runCli(["query", dir, "--format", "json", "--limit", "0", ...args]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).rows;
}

test("tsnap query --engine clickhouse://: the same plan over the server's tables gives the sum of each host's tsnap query (DuckDB), latency columns too (and in tsnap fleet's rows)", {
  skip,
}, async (t) => {
  const win = ["--from", FROM, "--to", TO];
  // Groups, -w with OR and a regex, a time and a number comparison: one planner, two dialects.
  for (const [groups, where] of [
    ["state,syscall", []],
    ["state", ["state=RUN OR syscall~'^(read|pipe)'"]],
    ["comm2,state", ["timestamp>=2026-01-02T04:00:00 AND tid>0", "state!=SLEEP"]],
    ["kstack_current_func", []],
  ] as [string, string[]][]) {
    const cols = groups.split(",");
    const w = where.flatMap((x) => ["-w", x]);
    const parts = [
      await local(dirs.alpha, groups, FROM, TO, where),
      await local(dirs.beta, groups, FROM, TO, where),
    ];
    assert.ok(parts.flat().length > 0, `${groups} ${where}: the local answers have rows`);
    const got = await overEngine(["-g", groups, ...w, ...win, "--lat", "none"]);
    assertSame(got.rows, summed(parts, cols), cols, `--engine -g ${groups} ${where.join(" ")}`);
    assert.deepEqual(
      got.hosts.map((h) => h.host),
      ["alpha", "beta"],
    );
  }
  // -g host: each host's own answer; -w service= narrows to that service's host.
  const byHost = await overEngine(["-g", "host,state", ...win]);
  for (const host of ["alpha", "beta"])
    assertSame(
      byHost.rows.filter((r) => r.host === host),
      summed([await local(dirs[host], "state")], ["state"]),
      ["state"],
      `--engine -g host,state: ${host}`,
    );
  const db = await overEngine(["-g", "state", "-w", "service=db", ...win]);
  assertSame(db.rows, summed([await local(dirs.beta, "state")], ["state"]), ["state"], "service=db");
  assert.deepEqual(
    db.hosts.map((h) => h.host),
    ["beta"],
  );
  // Latency columns (-g syscall): every completion's count is the sum of the hosts' (lathist
  // counts add); min and max are the hosts' extremes; each quantile lies between the hosts'
  // (a quantile of a mixture lies between its parts' quantiles; one bucket of slack).
  // The same columns in tsnap fleet's grouped rows, over the store's segments.
  const lat = await overEngine(["-g", "syscall", ...win]);
  const viaFleet = await fleet(mirror, ["-g", "syscall", ...win, "--limit", "0"]);
  const latCols = (rows: Row[]) =>
    rows.map((r) => key(r, ["syscall", "sc_n", "sc_min_us", "sc_p50_us", "sc_p99_us", "sc_max_us"])).sort();
  assert.deepEqual(
    latCols(viaFleet.rows),
    latCols(lat.rows),
    "tsnap fleet -g syscall: the same sc_* columns",
  );
  const per = [
    await localLat(dirs.alpha, ["-g", "syscall", ...win]),
    await localLat(dirs.beta, ["-g", "syscall", ...win]),
  ];
  let checked = 0;
  for (const r of lat.rows) {
    const hostsRows = per
      .map((rows) => rows.find((x) => (x.syscall ?? "") === (r.syscall ?? "")))
      .filter((x) => x);
    const n = hostsRows.reduce((s, x) => s + Number(x!.sc_n ?? 0), 0);
    assert.equal(Number(r.sc_n ?? 0), n, `sc_n of ${r.syscall}`);
    if (n === 0) continue;
    checked++;
    const withN = hostsRows.filter((x) => Number(x!.sc_n) > 0) as Row[];
    assert.equal(
      r.sc_min_us,
      Math.min(...withN.map((x) => Number(x.sc_min_us))),
      `sc_min_us of ${r.syscall}`,
    );
    assert.equal(
      r.sc_max_us,
      Math.max(...withN.map((x) => Number(x.sc_max_us))),
      `sc_max_us of ${r.syscall}`,
    );
    for (const q of ["sc_p50_us", "sc_p95_us", "sc_p99_us"]) {
      const lo = Math.min(...withN.map((x) => Number(x[q])));
      const hi = Math.max(...withN.map((x) => Number(x[q])));
      assert.ok(
        Number(r[q]) >= lo * 0.97 && Number(r[q]) <= hi * 1.03,
        `${q} of ${r.syscall}: ${r[q]} in [${lo}, ${hi}]`,
      );
    }
    t.diagnostic(
      `${r.syscall}: sc_n ${r.sc_n} = ${withN.map((x) => x.sc_n).join(" + ")}, p50 ${r.sc_p50_us}`,
    );
  }
  // lathist has read and futex buckets (addLathist); only read has samples, so only read is a row.
  assert.ok(checked >= 1, "read has latency columns");
  const text = await runCli(["query", "--engine", (await engineDb()).url, "-g", "state", ...win]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /=== Fleet: 2 of 2 hosts reporting ===/);
});

test("tsnap query --engine: a query over --max-rows is one line; bad URLs, columns and flags are usage errors; an unreachable server one line", {
  skip,
}, async () => {
  const { url } = await engineDb();
  const win = ["--from", FROM, "--to", TO];
  const big = await runCli(["query", "--engine", url, "-g", "state", ...win, "--max-rows", "10"]);
  assert.equal(big.code, 2, big.stderr);
  assert.match(big.stderr, /^tsnap: .*would read more than 10 rows \(--max-rows\)[^\n]*\n$/);
  const enough = await runCli(["query", "--engine", url, "-g", "state", ...win, "--max-rows", "100000"]);
  assert.equal(enough.code, 0, enough.stderr);
  for (const [argv, re] of [
    [["query", "--engine", "http://127.0.0.1:8123/x"], /not clickhouse:\/\/HOST/],
    [["query", "--engine", url, "./dir"], /not both/],
    [["query", "--engine", url, "-g", "cgroup_path"], /not a fleet column/],
    [["query", "--engine", url, "--stacks", "kernel"], /--engine answers grouped queries/],
    [["query", "--engine", url, "-w", "kstack_syms~x"], /tsnap fleet -w kstack_syms/],
    [["query", dirs.alpha, "-g", "host"], /'host' is a fleet column/],
    [["query", dirs.alpha, "--max-rows", "5"], /--max-rows needs --engine/],
  ] as [string[], RegExp][]) {
    const r = await runCli(argv);
    assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.split("\n").length, 2, r.stderr);
  }
  // Hostile values stay bound: no rows, no error.
  const hostile = await overEngine(["-g", "state", "-w", `comm="x'); DROP TABLE samples; --"`, ...win]);
  assert.equal(hostile.rows.length, 0);
  const port = await freePort();
  const down = await runCli(["query", "--engine", `clickhouse://127.0.0.1:${port}/tsnap`]);
  assert.equal(down.code, 1);
  assert.match(
    down.stderr,
    /^tsnap: clickhouse:\/\/127\.0\.0\.1:\d+\/tsnap: cannot reach 127\.0\.0\.1:\d+: ECONNREFUSED\n$/,
  );
});

test("per-minute rollups: a whole-minute query on their columns reads them and gives each host's tsnap query summed; after the raw rows' TTL they still answer", {
  skip,
}, async (t) => {
  const { db } = await engineDb();
  const ch = await loadChdb();
  const run = async (sql: string) =>
    (await ch.queryBindAsync(sql, {}, { format: "JSONEachRow" }))
      .text()
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Row);
  // Whole minutes around the data (03:59:50 to 04:00:15).
  const from = "2026-01-02T03:59:00";
  const to = "2026-01-02T04:01:00";
  const win = ["--from", from, "--to", to];
  const cases: [string, string[]][] = [
    ["state,syscall", []],
    ["host,state", []],
    ["state", ["service=db"]],
  ];
  const answers: Row[][] = [];
  for (const [groups, where] of cases) {
    const w = where.flatMap((x) => ["-w", x]);
    const got = await overEngine(["-g", groups, ...w, ...win, "--lat", "none"]);
    assert.equal((got as unknown as Row).tables, "per-minute rollups", `${groups}: read from the rollups`);
    const cols = groups.split(",").filter((c) => c !== "host");
    const hosts = groups.startsWith("host") ? ["alpha", "beta"] : [null];
    for (const host of hosts) {
      const mine = host ? got.rows.filter((r) => r.host === host) : got.rows;
      const which = host ? [host] : where.length ? ["beta"] : ["alpha", "beta"];
      const parts = [];
      for (const h of which) parts.push(await local(dirs[h], cols.join(","), from, to));
      assertSame(mine, summed(parts, cols), cols, `rollups -g ${groups} ${where.join(" ")} ${host ?? ""}`);
    }
    // The same question over the raw rows (a -w on tid keeps every row but is not a rollup column).
    const raw = await overEngine(["-g", groups, ...w, "-w", "tid>0", ...win, "--lat", "none"]);
    assert.equal((raw as unknown as Row).tables, "raw");
    t.diagnostic(
      `-g ${groups}: rows read ${got.rows_read} from the rollups, ${raw.rows_read} from the raw rows`,
    );
    answers.push(got.rows);
  }
  // Latency columns from lathist's rollup: the same as from the raw rows.
  const latRoll = await overEngine(["-g", "syscall", ...win]);
  const latRaw = await overEngine(["-g", "syscall", "-w", "tid>0", ...win]);
  assert.deepEqual(
    latRoll.rows.map((r) => [r.syscall, r.sc_n, r.sc_p50_us, r.sc_max_us]),
    latRaw.rows.map((r) => [r.syscall, r.sc_n, r.sc_p50_us, r.sc_max_us]),
  );
  // Retention: the raw rows expire (a 1-day TTL on data from 2026-01-02), the rollups keep theirs.
  for (const table of ["samples", "rounds", "lathist"]) {
    await run(
      `ALTER TABLE ${db}.${table} MODIFY TTL toDateTime(timestamp) + INTERVAL 1 DAY DELETE SETTINGS mutations_sync = 2`,
    );
    await run(`OPTIMIZE TABLE ${db}.${table} FINAL`);
    assert.equal(
      Number((await run(`SELECT count() AS n FROM ${db}.${table}`))[0].n),
      0,
      `${table}: raw rows expired`,
    );
  }
  for (const [i, [groups, where]] of cases.entries()) {
    const again = await overEngine([
      "-g",
      groups,
      ...where.flatMap((x) => ["-w", x]),
      ...win,
      "--lat",
      "none",
    ]);
    assert.deepEqual(again.rows, answers[i], `-g ${groups}: the rollups answer after the raw rows' TTL`);
  }
});
