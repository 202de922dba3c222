// tsnap numamove: it loads and attaches here and prints libbpf-tools' layout; its count is
// the kernel's own: /proc/vmstat's numa_pages_migrated (pages moved by NUMA balancing)
// moves exactly when our pages do. This VM has one NUMA node, where NUMA balancing never
// migrates: the comparison then holds at zero (the test says so in its diagnostics); a
// forced migration needs a machine with two nodes, and no test of one is written yet.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { liveCount } from "../../bpf/handles.js";
import { assertNeedsRoot, libbpfToolSkip, ours, stopAll } from "../../testkit/bcc-tools.js";
import { runTsnap, TSNAP_BIN } from "../../testkit/cli.js";
import { REPO_ROOT } from "../../testkit/workloads.js";
import { HEADER, migrationDeltas, renderText } from "./numamove-report.js";

const root = process.getuid?.() === 0;
const built = existsSync(`${REPO_ROOT}/build/bpf/numamove.bpf.o`);
const skip = !root ? "needs root" : !built ? "build/bpf/numamove.bpf.o not built (scripts/setup.sh)" : false;
const nodes = readdirSync("/sys/devices/system/node").filter((n) => /^node\d+$/.test(n)).length;
const vmstat = () =>
  Number(/^numa_pages_migrated (\d+)$/m.exec(readFileSync("/proc/vmstat", "utf8"))?.[1] ?? 0);

test("attaches, prints libbpf-tools' lines, and its pages follow /proc/vmstat's numa_pages_migrated", {
  skip,
  timeout: 60_000,
}, async (tc) => {
  const handles = liveCount();
  const t = { json: ours(["numamove", "--json", "1"]), text: ours(["numamove", "1", "2"]) };
  await Promise.all(Object.values(t).map((x) => x.started));
  const before = vmstat();
  await new Promise((r) => setTimeout(r, 2300));
  const after = vmstat();
  const res = await stopAll(t);
  const lines = res.json.out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { migrations: number; pages: number });
  assert.ok(lines.length >= 2, res.json.out);
  const pages = lines.reduce((s, l) => s + l.pages, 0);
  // Our window is a little wider than vmstat's two reads: equal when nothing migrates
  // (one node), else at least what vmstat saw.
  if (nodes < 2)
    tc.diagnostic(`${nodes} NUMA node: NUMA balancing never migrates here, so both counts are 0`);
  if (after === before) assert.equal(pages, 0, "no migration in vmstat, none here");
  else assert.ok(pages >= after - before, `pages ${pages}, vmstat ${after - before}`);
  assert.ok(res.text.out.startsWith(HEADER), res.text.out);
  assert.match(res.text.out, /\n\d\d:\d\d:\d\d +\d+ +\d+\n\d\d:\d\d:\d\d +\d+ +\d+\n$/);
  assert.equal(liveCount(), handles, "every fd and link closed");
});

test("libbpf-tools numamove is no reference here: it needs kprobes or fentry", {
  skip: !root ? "needs root" : false,
}, (t) => {
  const why = libbpfToolSkip("numamove", []);
  if (why === false) t.skip("libbpf-tools numamove loads here");
  else assert.match(why, /not installed|does not load/);
});

test("bad input: one line, exit 2; not root: exit 1", async () => {
  for (const args of [["0"], ["x"], ["1", "0"], ["1", "2", "3"], ["--nope"]]) {
    const r = await runTsnap(["numamove", ...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr.split("\n").length, 2, r.stderr);
    assert.match(r.stderr, /^tsnap: /);
  }
  if (root) assertNeedsRoot("numamove", TSNAP_BIN);
});

test("layout and differences", () => {
  assert.equal(HEADER, "TIME          NUMA_migrations NUMA_migrations_ms\n");
  const d = migrationDeltas({ count: 7, ns: 5_400_000, pages: 40 }, { count: 2, ns: 1_000_000, pages: 8 });
  assert.deepEqual(d, { count: 5, ns: 4_400_000, pages: 32 });
  assert.match(renderText(d, new Date()), /^\d\d:\d\d:\d\d {3} {17}5 {18}4\n$/);
});
