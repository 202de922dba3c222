// tsnap syscount against a workload that makes a known number of each syscall
// (test/workloads/syscall-mix.c), and side by side with libbpf-tools' syscount tracing the
// same run. Several tracers run at once on one round of the workload.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { syscallNumber } from "../../platform/syscall-table.js";
import {
  assertBadInput,
  libbpfTool,
  ours as oursTracer,
  theirs as theirsTracer,
} from "../../testkit/bcc-tools.js";
import { runCli } from "../../testkit/cli.js";
import { compileWorkload, type RunningWorkload, startWorkload } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;
const built = existsSync(new URL("../../../../build/bpf/syscount.bpf.o", import.meta.url));
const LIBBPF_SYSCOUNT = libbpfTool("syscount");
const skip = !root ? "needs root" : !built ? "build/bpf/syscount.bpf.o not built (scripts/setup.sh)" : false;
const skipRef = skip || (LIBBPF_SYSCOUNT ? false : "libbpf-tools syscount not installed (setup.sh --tests)");

// What the workload does per round (its truth): getppid, getpid, close(-1), openat(missing).
const N = { getppid: 40000, getpid: 15000, close: 3000, openat: 1000 };

interface Report {
  header: string;
  /** syscall name (or "PID COMM") → columns after it */
  rows: Map<string, { count: number; total?: number; avg?: number }>;
}

/** Splits syscount output (ours or libbpf-tools') into its reports. */
function parseReports(text: string): Report[] {
  const out: Report[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^\[\d\d:\d\d:\d\d\]$/.test(lines[i])) continue;
    const r: Report = { header: lines[i + 1], rows: new Map() };
    for (i += 2; i < lines.length && lines[i] !== ""; i++) {
      const m = /^(.*?)\s+(\d+)(?:\s+([\d.]+))?(?:\s+([\d.]+))?$/.exec(lines[i]);
      assert.ok(m, `unparsed row '${lines[i]}'`);
      const total = m[3] === undefined ? undefined : Number(m[3]);
      const avg = m[4] === undefined ? undefined : Number(m[4]);
      r.rows.set(m[1].replace(/\s+/g, " "), { count: Number(m[2]), total, avg });
    }
    out.push(r);
  }
  return out;
}

interface Tracer {
  started: Promise<void>;
  /** Stops it like Ctrl-C and returns all it printed. */
  stop(): Promise<string>;
}

const MARKER = "Ctrl+C to quit.";

/** Ours, in-process (testkit's tracer), which must end with exit 0. */
function ours(args: string[]): Tracer {
  const t = oursTracer(["syscount", ...args], MARKER);
  return {
    started: t.started,
    async stop() {
      const r = await t.stop();
      assert.equal(r.code, 0, `tsnap syscount ${args.join(" ")}: ${r.err}`);
      return r.out;
    },
  };
}

/** libbpf-tools' syscount as a child, stopped with SIGINT (testkit's tracer). */
function theirs(args: string[]): Tracer {
  const t = theirsTracer("syscount", args, MARKER);
  return { started: t.started, stop: async () => (await t.stop()).out };
}

let wl: RunningWorkload | undefined;
let pid = 0;
const lines: string[] = [];

/** One round of the workload; resolves with its "done" line's getppid loop time (ns). */
async function round(): Promise<number> {
  const seen = lines.length;
  process.kill(pid, "SIGUSR1");
  const t0 = Date.now();
  while (lines.length === seen) {
    if (Date.now() - t0 > 20_000) throw new Error("the workload did not finish its round");
    await new Promise((r) => setTimeout(r, 20));
  }
  return Number(lines[seen].split(" ")[1]);
}

before(async () => {
  if (skip) return;
  wl = await startWorkload(compileWorkload("syscall-mix"), Object.values(N).map(String));
  pid = Number(wl.ready[1]);
  let buf = "";
  wl.child.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
      if (buf.startsWith("done")) lines.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
});

after(async () => {
  await wl?.stop();
});

test("one run, seven tracers: counts equal the workload's and libbpf-tools syscount's", {
  skip: skipRef,
  timeout: 60_000,
}, async () => {
  const handles = liveCount();
  const p = String(pid);
  const t = {
    plain: ours(["-p", p, "-T", "50"]),
    ref: theirs(["-p", p, "-T", "50"]),
    lat: ours(["-p", p, "-L"]),
    refLat: theirs(["-p", p, "-L"]),
    failed: ours(["-p", p, "-x"]),
    enoent: ours(["-p", p, "-e", "ENOENT"]),
    proc: ours(["-p", p, "-P"]),
  };
  await Promise.all(Object.values(t).map((x) => x.started));
  const loopNs = await round();
  const text: Record<string, string> = {};
  for (const [k, x] of Object.entries(t)) text[k] = await x.stop();
  const r = Object.fromEntries(Object.entries(text).map(([k, v]) => [k, parseReports(v)])) as Record<
    keyof typeof t,
    Report[]
  >;
  for (const [k, reps] of Object.entries(r))
    assert.equal(reps.length, 1, `${k}: one report at Ctrl-C\n${text[k]}`);
  const plain = r.plain[0].rows;

  // Exactly what the workload made (no other getppid/getpid/close/openat in that process).
  for (const [name, n] of Object.entries(N))
    assert.equal(plain.get(name)?.count, n, `${name}\n${text.plain}`);
  // The same table as libbpf-tools' syscount (its layout too), every row.
  assert.equal(r.plain[0].header, r.ref[0].header);
  assert.deepEqual(plain, r.ref[0].rows, `ours:\n${text.plain}\nlibbpf-tools:\n${text.ref}`);

  // -x: the failed calls only; -e ENOENT: the missing-file opens only.
  assert.deepEqual([...r.failed[0].rows].sort(), [
    ["close", { count: N.close, total: undefined, avg: undefined }],
    ["openat", { count: N.openat, total: undefined, avg: undefined }],
  ]);
  assert.deepEqual(
    [...r.enoent[0].rows],
    [["openat", { count: N.openat, total: undefined, avg: undefined }]],
  );
  assert.match(text.failed, /^Tracing failed syscalls, printing top 10\.\.\. Ctrl\+C to quit\.\n/);

  // -P: one row, the workload, with every call it made.
  const all = [...plain.values()].reduce((s, v) => s + v.count, 0);
  assert.deepEqual(
    [...r.proc[0].rows],
    [
      [
        `${pid} ${readFileSync(`/proc/${pid}/comm`, "utf8").trim()}`,
        { count: all, total: undefined, avg: undefined },
      ],
    ],
  );
  assert.match(r.proc[0].header, /^PID {4}COMM {15}COUNT$/);

  // -L: same counts; getppid's time inside the kernel is within its loop's wall time, and
  // within a factor 2 of libbpf-tools' (each sees the other's hooks, so not equal).
  const lat = r.lat[0].rows.get("getppid")!;
  const refLat = r.refLat[0].rows.get("getppid")!;
  assert.equal(lat.count, N.getppid);
  assert.equal(refLat.count, N.getppid);
  assert.ok(lat.total! * 1000 < loopNs, `getppid total ${lat.total} µs > loop ${loopNs / 1000} µs`);
  assert.ok(
    lat.total! / refLat.total! > 0.5 && lat.total! / refLat.total! < 2,
    `${lat.total} vs ${refLat.total}`,
  );
  assert.ok(Math.abs(lat.avg! - lat.total! / lat.count) < 0.002, "AVG = TIME / COUNT");
  assert.ok(r.lat[0].header.startsWith(r.refLat[0].header), `${r.lat[0].header} | ${r.refLat[0].header}`);
  assert.equal(liveCount(), handles, "every BPF object and link closed");
});

test("-i: consecutive reports add up to every call (counters are never reset, reports are differences)", {
  skip,
  timeout: 30_000,
}, async () => {
  const x = ours(["-p", String(pid), "-i", "0.5"]);
  await x.started;
  await round();
  await new Promise((r) => setTimeout(r, 1200));
  await round();
  await new Promise((r) => setTimeout(r, 700));
  const reps = parseReports(await x.stop());
  assert.ok(reps.length >= 4, `${reps.length} reports`);
  const counts = reps.map((r) => r.rows.get("getppid")?.count ?? 0);
  assert.equal(
    counts.reduce((a, b) => a + b, 0),
    2 * N.getppid,
    counts.join(","),
  );
  assert.ok(counts.filter((c) => c > 0).length >= 2, `both rounds seen in different reports: ${counts}`);
});

test("the raw_tp pair counts the same as tp_btf (the syscall number read from the saved registers)", {
  skip,
}, async () => {
  const { loadSyscount } = await import("./syscount-load.js");
  const cfg = { pid, errno: 0, byProcess: false, latency: true, failedOnly: false };
  const raw = loadSyscount(cfg, "raw_tp");
  const btf = loadSyscount(cfg, "tp_btf");
  try {
    await round();
    const names = Object.keys(N) as (keyof typeof N)[];
    for (const c of [raw, btf]) {
      const got = c.read();
      const nr = (name: string) => syscallNumber(name)!;
      for (const name of names) {
        const e = got.find((x) => x.key === nr(name));
        assert.equal(e?.count, BigInt(N[name]), name);
        assert.ok(e.totalNs > 0n, name);
      }
    }
  } finally {
    raw.close();
    btf.close();
  }
});

test("-d ends by itself; -T limits the rows", { skip }, async () => {
  const r = await runCli(["syscount", "-d", "0.5", "-T", "2"]);
  assert.equal(r.code, 0, r.stderr);
  const reps = parseReports(r.stdout);
  assert.equal(reps.length, 1);
  assert.ok(reps[0].rows.size <= 2 && reps[0].rows.size > 0, r.stdout);
  assert.match(r.stdout, /\nDetaching\.\.\.\n$/);
});

test("-l lists every syscall libbpf-tools' syscount knows, with the same numbers", {
  skip: skipRef,
}, async () => {
  const ref = spawnSync(LIBBPF_SYSCOUNT!, ["-l"], { encoding: "utf8" }).stdout.trim().split("\n");
  const r = await runCli(["syscount", "-l"]);
  const mine = new Set(r.stdout.trim().split("\n"));
  assert.ok(ref.length > 300);
  for (const line of ref) assert.ok(mine.has(line), line);
});

test("bad input: one error line and exit 2; as a non-root user: one line and exit 1", async () => {
  await assertBadInput(
    "syscount",
    [
      [["-p", "abc"], /^tsnap: -p must be a decimal number, got 'abc'\n$/],
      [["-T", "0"], /^tsnap: -T must be at least 1, got 0\n$/],
      [["-e", "EBOGUS"], /^tsnap: -e must be an errno name \(ENOENT\) or number \(1-4095\), got 'EBOGUS'\n$/],
      [["-x", "-e", "2"], /^tsnap: -x and -e ERRNO/],
      [["--bogus"], /^tsnap: unknown option '--bogus'/],
      [["extra"], /^tsnap: unexpected argument 'extra'/],
    ],
    { needsRoot: ["-d", "1"] },
  );
});
