// tsnap slabratetop against allocations whose cache and count are known:
// test/workloads/open-storm.c makes 3N+2 open attempts (N of them failing with ENOENT),
// and every open attempt takes one struct file from the `filp` cache before it looks the
// path up (path_openat -> alloc_empty_file). Under -p (only the workload), the filp row
// adds up to exactly 3N+2 over the reports, its bytes to that many times the cache's
// object size as /proc/slabinfo gives it, and each path system call copied its name into
// a names_cache object.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertNeedsRoot, libbpfToolSkip, ours, stopAll } from "../../testkit/bcc-tools.js";
import { runTsnap, TSNAP_BIN } from "../../testkit/cli.js";
import { compileWorkload, REPO_ROOT, startWorkload } from "../../testkit/workloads.js";
import { renderText, sortRows } from "./slabratetop-report.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/slabratetop.bpf.o`);
const skip = !root
  ? "needs root"
  : !built
    ? "build/bpf/slabratetop.bpf.o not built (scripts/setup.sh)"
    : false;
const N = 500;

interface JsonRow {
  cache: string;
  allocs: number;
  bytes: number;
}

const parse = (out: string) =>
  out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as JsonRow);

/** Allocations and bytes per cache, summed over the reports. */
function sums(rows: readonly JsonRow[]): Map<string, { allocs: number; bytes: number }> {
  const out = new Map<string, { allocs: number; bytes: number }>();
  for (const r of rows) {
    const s = out.get(r.cache) ?? { allocs: 0, bytes: 0 };
    out.set(r.cache, { allocs: s.allocs + r.allocs, bytes: s.bytes + r.bytes });
  }
  return out;
}

/** A cache's object size from /proc/slabinfo (its 4th column). */
function slabObjectSize(cache: string): number | undefined {
  const line = readFileSync("/proc/slabinfo", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${cache} `));
  return line ? Number(line.split(/\s+/)[3]) : undefined;
}

test("every open attempt's struct file counted in filp, with slabinfo's object size", {
  skip,
  timeout: 120_000,
}, async () => {
  const handles = liveCount();
  const d = mkdtempSync(join(tmpdir(), "tsnap-slabratetop-"));
  const w = await startWorkload(compileWorkload("open-storm"), [String(N), d, "s"]);
  try {
    const pid = w.ready[1];
    const t = {
      json: ours(["slabratetop", "--json", "-p", pid, "-r", "10240", "1"]),
      text: ours(["slabratetop", "-C", "-p", pid, "-s", "count", "1"]),
    };
    await Promise.all(Object.values(t).map((x) => x.started));
    let out = "";
    w.child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
    });
    const exited = new Promise<void>((res) => w.child.once("exit", () => res()));
    w.child.kill("SIGUSR1");
    await exited;
    await new Promise((r) => setTimeout(r, 1200));
    const res = await stopAll(t);
    assert.match(out, new RegExp(`done ${2 * N + 2} ${N}`), "the workload's own count of its opens");
    const s = sums(parse(res.json.out));
    const filp = s.get("filp");
    assert.ok(filp, `a filp row: ${[...s.keys()].join(",")}`);
    assert.equal(filp.allocs, 3 * N + 2, "one struct file per open attempt");
    const size = slabObjectSize("filp");
    if (size !== undefined)
      assert.equal(filp.bytes, filp.allocs * size, "bytes: slabinfo's object size each");
    assert.ok((s.get("names_cache")?.allocs ?? 0) >= 3 * N + 2, "each path system call copied its name");
    assert.match(res.text.out, /\n\d\d:\d\d:\d\d loadavg: [\d.]+ [\d.]+ [\d.]+ \d+\/\d+ \d+\n\n/);
    assert.match(res.text.out, /\nCACHE {28}ALLOCS {6}BYTES\n/);
    assert.match(res.text.out, new RegExp(`\\nfilp +${3 * N + 2} +\\d+\\n`), "the filp row in the text");
    assert.equal(liveCount(), handles, "every fd and link closed");
  } finally {
    await w.stop();
    rmSync(d, { recursive: true, force: true });
  }
});

test("libbpf-tools slabratetop is no reference here: it needs a kprobe on kmem_cache_alloc", {
  skip: !root ? "needs root" : false,
}, (t) => {
  const why = libbpfToolSkip("slabratetop", ["1", "1"]);
  if (why === false) t.skip("libbpf-tools slabratetop loads here");
  else assert.match(why, /not installed|does not load/);
});

test("bad input: one line, exit 2; not root: exit 1", async () => {
  for (const args of [["0"], ["x"], ["1", "0"], ["-s", "bytes"], ["-r", "0"], ["-p", "x"], ["1", "2", "3"]]) {
    const r = await runTsnap(["slabratetop", ...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr.split("\n").length, 2, r.stderr);
    assert.match(r.stderr, /^tsnap: /);
  }
  if (root) assertNeedsRoot("slabratetop", TSNAP_BIN);
});

test("sorts and layout", () => {
  const rows = [
    { name: "filp", count: 10, bytes: 1920 },
    { name: "Dentry", count: 30, bytes: 5760 },
    { name: "names_cache", count: 2, bytes: 8192 },
  ];
  assert.deepEqual(
    sortRows(rows, "size", 9).map((r) => r.name),
    ["names_cache", "Dentry", "filp"],
  );
  assert.deepEqual(
    sortRows(rows, "count", 2).map((r) => r.name),
    ["Dentry", "filp"],
  );
  assert.deepEqual(
    sortRows(rows, "name", 9).map((r) => r.name),
    ["Dentry", "filp", "names_cache"],
  );
  assert.equal(
    renderText(rows.slice(0, 1), null, new Date()),
    `CACHE                            ALLOCS      BYTES\nfilp                                 10       1920\n\n`,
  );
});
