// tsnap cachestat against reads whose page-cache state is known: test/workloads/cache-reads.c
// writes a file of N pages on a block device, drops it from the page cache (fsync, then
// posix_fadvise DONTNEED), and reads it start to end twice; mincore(2), the kernel's own
// view, says how many pages were cached before each pass. Under -p (only the reader), the
// kernel counted exactly 2N pages asked of the cache, and exactly the pages mincore did
// not find cached added to it; summed over the lines, HITS and MISSES say the same within
// a readahead window (a line boundary can fall between readahead and the read).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertNeedsRoot, libbpfToolSkip, ours, stopAll } from "../../testkit/bcc-tools.js";
import { runTsnap, TSNAP_BIN } from "../../testkit/cli.js";
import { blockDeviceDir } from "../../testkit/contention.js";
import { compileWorkload, REPO_ROOT, startWorkload } from "../../testkit/workloads.js";
import { cacheLine, countDeltas, header, renderText } from "./cachestat-report.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/cachestat.bpf.o`);
const dir = blockDeviceDir();
const skip = !root
  ? "needs root"
  : !built
    ? "build/bpf/cachestat.bpf.o not built (scripts/setup.sh)"
    : dir === null
      ? "no directory on a block device (/var/tmp, /root, /home): tmpfs pages cannot be dropped"
      : false;
const N = 2560;
/** The most readahead can run ahead of the reader across a line boundary (the kernel's 128 KiB default, twice). */
const RA_PAGES = 64;

interface JsonLine {
  hits: number;
  misses: number;
  dirties: number;
  hit_ratio: number;
  cached_mb: number;
  pages_accessed: number;
  pages_added: number;
  pages_dirtied: number;
}

const parse = (out: string) =>
  out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as JsonLine);
const sum = (rows: readonly JsonLine[], f: (r: JsonLine) => number) => rows.reduce((s, r) => s + f(r), 0);

test("a file read twice after DONTNEED: N misses then N hits, as mincore saw the cache", {
  skip,
  timeout: 120_000,
}, async () => {
  const handles = liveCount();
  const d = mkdtempSync(join(dir!, "tsnap-cachestat-"));
  try {
    const w = await startWorkload(
      compileWorkload("cache-reads"),
      [join(d, "data"), String(N), "2", "65536"],
      60_000,
    );
    try {
      const pid = w.ready[1];
      const t = {
        json: ours(["cachestat", "--json", "-p", pid, "0.5"]),
        text: ours(["cachestat", "-T", "-p", pid, "0.5"]),
      };
      await Promise.all(Object.values(t).map((x) => x.started));
      let done = "";
      w.child.stdout!.on("data", (b: Buffer) => {
        done += b.toString();
      });
      const exited = new Promise<void>((res) => w.child.once("exit", () => res()));
      w.child.kill("SIGUSR1");
      await exited;
      await new Promise((r) => setTimeout(r, 700));
      const res = await stopAll(t);
      const m = /done \d+ (\d+) (\d+)/.exec(done);
      assert.ok(m, `the workload's done line: ${done}`);
      const [before1, before2] = [Number(m[1]), Number(m[2])];
      assert.ok(before1 < N / 10 && before2 > N * 0.9, `mincore: ${before1} then ${before2} of ${N} cached`);
      const lines = parse(res.json.out);
      const accessed = sum(lines, (l) => l.pages_accessed);
      const added = sum(lines, (l) => l.pages_added);
      assert.equal(accessed, 2 * N, "every page of both passes asked of the cache, once");
      assert.equal(added, 2 * N - before1 - before2, "the pages mincore did not find cached were added");
      assert.equal(
        sum(lines, (l) => l.pages_dirtied),
        0,
        "reads dirty nothing",
      );
      const misses = sum(lines, (l) => l.misses);
      const hits = sum(lines, (l) => l.hits);
      assert.ok(Math.abs(misses - (2 * N - before1 - before2)) <= RA_PAGES, `MISSES ${misses}`);
      assert.ok(Math.abs(hits - (before1 + before2)) <= RA_PAGES, `HITS ${hits}`);
      assert.equal(hits + misses, 2 * N);
      // The text layout: libbpf-tools' header and lines.
      assert.match(res.text.out, /^TIME {9}HITS {3}MISSES {2}DIRTIES HITRATIO {3}BUFFERS_MB {2}CACHED_MB\n/);
      assert.match(res.text.out, /\n\d\d:\d\d:\d\d +\d+ +\d+ +\d+ +\d+\.\d\d% +\d+ +\d+\n/);
      assert.equal(liveCount(), handles, "every fd and link closed");
    } finally {
      await w.stop();
    }
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test("libbpf-tools cachestat is no reference here: it needs kprobes or fentry", {
  skip: !root ? "needs root" : false,
}, (t) => {
  const why = libbpfToolSkip("cachestat", ["1", "1"]);
  if (why === false)
    t.skip("libbpf-tools cachestat loads here (compare by hand: it counts mark_page_accessed)");
  else assert.match(why, /not installed|does not load/);
});

test("bad input: one line, exit 2; not root: exit 1", async () => {
  for (const args of [["0"], ["x"], ["1", "0"], ["1", "2", "3"], ["-p", "abc"], ["--nope"]]) {
    const r = await runTsnap(["cachestat", ...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr.split("\n").length, 2, r.stderr);
    assert.match(r.stderr, /^tsnap: /);
  }
  if (root) assertNeedsRoot("cachestat", TSNAP_BIN);
});

test("libbpf-tools' arithmetic: misses are added pages not dirtied, hits the rest, clamped", () => {
  const mem = "MemTotal: 100 kB\nBuffers:   21504 kB\nCached:  2310144 kB\n";
  const l = cacheLine({ accessed: 1000, added: 300, dirtied: 100, removed: 5 }, mem);
  assert.deepEqual([l.hits, l.misses, l.dirties, l.buffersMb, l.cachedMb], [800, 200, 100, 21, 2256]);
  assert.equal(l.ratio, 0.8);
  const ahead = cacheLine({ accessed: 10, added: 40, dirtied: 0, removed: 0 }, mem);
  assert.deepEqual([ahead.hits, ahead.misses, ahead.ratio], [0, 10, 0]);
  assert.deepEqual(
    countDeltas(
      { accessed: 5, added: 4, dirtied: 3, removed: 2 },
      { accessed: 1, added: 1, dirtied: 1, removed: 1 },
    ),
    {
      accessed: 4,
      added: 3,
      dirtied: 2,
      removed: 1,
    },
  );
  assert.equal(header(false), "    HITS   MISSES  DIRTIES HITRATIO   BUFFERS_MB  CACHED_MB\n");
  assert.equal(renderText(l, null), "     800      200      100   80.00%           21       2256\n");
});
