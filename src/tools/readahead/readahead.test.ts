// tsnap readahead against readahead whose pages and reads are known: test/workloads/ra-reads.c
// reads one file start to end after dropping it from the page cache (readahead brings every
// page in, every page is read), then has all of a second file read ahead (WILLNEED), sleeps
// 600 ms and reads its first K pages. mincore(2), the kernel's own view, says how many pages
// each step brought into the cache. Under -p (only the workload): total is exactly the pages
// mincore saw come in, unused exactly the second file's cached pages never read, and exactly K
// reads waited 512-1023 ms (the sleep) while none of the sequential reads did.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertNeedsRoot, libbpfToolSkip, ours, stopAll } from "../../testkit/bcc-tools.js";
import { runTsnap, TSNAP_BIN } from "../../testkit/cli.js";
import { blockDeviceDir } from "../../testkit/contention.js";
import { compileWorkload, REPO_ROOT, startWorkload } from "../../testkit/workloads.js";
import { renderJson, renderText, unused } from "./readahead-report.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/readahead.bpf.o`);
const dir = blockDeviceDir();
const skip = !root
  ? "needs root"
  : !built
    ? "build/bpf/readahead.bpf.o not built (scripts/setup.sh)"
    : dir === null
      ? "no directory on a block device (/var/tmp, /root, /home): tmpfs pages cannot be dropped"
      : false;
const PAGES = 2048;
const K = 512;
const SLEEP_MS = 600;

interface JsonReport {
  unused: number;
  total: number;
  used: number;
  slots: { low: number; high: number; count: number }[];
}

test("a file read after DONTNEED, and one read ahead then read in part: pages and waits exact", {
  skip,
  timeout: 120_000,
}, async () => {
  const handles = liveCount();
  const d = mkdtempSync(join(dir!, "tsnap-readahead-"));
  try {
    const w = await startWorkload(
      compileWorkload("ra-reads"),
      [d, String(PAGES), String(K), String(SLEEP_MS)],
      60_000,
    );
    try {
      const pid = w.ready[1];
      const t = {
        json: ours(["readahead", "--json", "-p", pid]),
        text: ours(["readahead", "-v", "-p", pid]),
      };
      await Promise.all(Object.values(t).map((x) => x.started));
      let out = "";
      w.child.stdout!.on("data", (b: Buffer) => {
        out += b.toString();
      });
      const exited = new Promise<void>((res) => w.child.once("exit", () => res()));
      w.child.kill("SIGUSR1");
      await exited;
      const res = await stopAll(t);
      const m = /done (\d+) (\d+) (\d+) (\d+) (\d+)/.exec(out);
      assert.ok(m, `the workload's done line: ${out}`);
      const [s0, s1, a0, , a2] = m.slice(1).map(Number);
      // Reading seq to its end caches all of it; how far the reads of ahead's first K pages
      // push its asynchronous readahead varies (once a2 was PAGES - 1), so the truth of the
      // second file is what mincore saw cached, not PAGES.
      assert.ok(s0 < 16 && a0 < 16 && s1 === PAGES && a2 >= K + 16, `mincore: ${m[0]}`);
      const r = JSON.parse(res.json.out.trim()) as JsonReport;
      assert.equal(r.total, s1 - s0 + (a2 - a0), "every page readahead brought in, as mincore saw them come");
      assert.equal(r.unused, a2 - a0 - K, "the second file's pages read ahead and never read");
      assert.equal(r.used, s1 - s0 + K, "the first file's pages and the K read of the second");
      const slow = r.slots.filter((s) => s.low >= 512).reduce((n, s) => n + s.count, 0);
      const sleep = r.slots.find((s) => s.low === 512)?.count ?? 0;
      assert.equal(sleep, K, `K reads waited the 600 ms sleep: ${JSON.stringify(r.slots)}`);
      assert.equal(slow, K, "no other read waited that long");
      // libbpf-tools' text: the line, then the histogram in msecs.
      assert.match(res.text.out, new RegExp(`\nReadahead unused/total pages: ${r.unused}/${r.total}\n`));
      assert.match(res.text.out, /\n {5}msecs {15}: count {4}distribution\n/);
      assert.match(res.text.out, new RegExp(`\n {7}512 -> 1023 {7}: ${K} +\\|`));
      assert.equal(liveCount(), handles, "every fd and link closed");
    } finally {
      await w.stop();
    }
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test("libbpf-tools readahead is no reference here: it needs fentry", {
  skip: root ? false : "needs root",
}, (t) => {
  const why = libbpfToolSkip("readahead", ["-d", "1"]);
  if (why === false) t.skip("libbpf-tools readahead loads here (compare by hand on ra-reads.c)");
  else assert.match(why, /not installed|does not load/);
});

test("bad input: one line, exit 2; not root: exit 1", async () => {
  for (const args of [["-d", "0"], ["-d", "x"], ["5"], ["-p", "abc"], ["--nope"]]) {
    const r = await runTsnap(["readahead", ...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr.split("\n").length, 2, r.stderr);
    assert.match(r.stderr, /^tsnap: /);
  }
  if (root) assertNeedsRoot("readahead", TSNAP_BIN);
});

test("libbpf-tools' layout; unused is total minus used, never below 0", () => {
  const c = { total: 10, used: 7, atOnce: 1, evicted: 2, lost: 0, msecs: [3, 0, 4] };
  assert.equal(unused(c), 3);
  assert.equal(unused({ ...c, used: 12 }), 0);
  assert.equal(
    renderText(c, false),
    "\nReadahead unused/total pages: 3/10\n" +
      "     msecs               : count    distribution\n" +
      "         0 -> 1          : 3        |******************************          |\n" +
      "         2 -> 3          : 0        |                                        |\n" +
      "         4 -> 7          : 4        |****************************************|\n",
  );
  assert.match(renderText(c, true), /\n {2}used 7 \(1 of them by the page fault .*\), evicted unused 2/);
  const j = JSON.parse(renderJson(c, new Date(0)));
  assert.deepEqual(j.slots, [
    { low: 0, high: 1, count: 3 },
    { low: 4, high: 7, count: 4 },
  ]);
});
