// The threads and stacks panels in a real browser (Debian's chromium, headless, driven by
// puppeteer-core) on the 0x.tools demo hour, opened at an address with a filter: the
// swimlanes' threads and the colour of every bucket are `tsnap query -g tid` and
// `-g tid,time_Ns,state`'s (the state with most samples), the first top kernel stack is
// `tsnap query --stacks kernel`'s, and a click on a thread drills to it.
// TSNAP_SERVE_THREADS_SCREENSHOT=FILE saves a screenshot (docs/img/serve-threads.png).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../../testkit/cli.js";
import { startServe } from "../../testkit/serve-capture.js";
import { REPO_ROOT } from "../../testkit/workloads.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
const DRIVER = (() => {
  try {
    createRequire(import.meta.url).resolve("puppeteer-core");
    return true;
  } catch {
    return false;
  }
})();
const DEMO = join(REPO_ROOT, "..", "shared", "data", "0xtools-v3-demo");

type Row = Record<string, unknown> & { samples: number; avg_threads: number };

async function query(args: string[]): Promise<Row[]> {
  const r = await runCli(["query", DEMO, ...args, "--lat", "none", "--limit", "0", "--format", "json"]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { rows: Row[] }).rows;
}

test("headless Chromium, demo hour, syscall=pread64: swimlanes and top stacks equal tsnap query's; a thread's label drills to it", {
  skip: !existsSync(DEMO)
    ? `demo data not found at ${DEMO}`
    : !CHROMIUM
      ? "chromium is not installed (scripts/setup.sh --tests installs it)"
      : !DRIVER
        ? "puppeteer-core is not installed (scripts/setup.sh installs the npm packages)"
        : false,
  timeout: 120_000,
}, async () => {
  const { default: puppeteer } = await import("puppeteer-core");
  const srv = await startServe([DEMO, "--port", "0"], 60_000);
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 1000 });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${srv.url}?g=comm2&f=syscall%3Dpread64`, { waitUntil: "load" });
    const settled = (before = "") =>
      page.waitForFunction(
        (b) =>
          document.body.dataset.ready !== undefined &&
          document.body.dataset.ready !== b &&
          document.getElementById("lanes")?.dataset.ready === document.body.dataset.ready &&
          document.getElementById("stacks")?.dataset.ready === document.body.dataset.ready,
        { timeout: 30_000 },
        before,
      );
    await settled();

    // Lanes: the busiest threads in tsnap query's order.
    const labels = await page.$$eval("#lanes .lane-label", (ts) =>
      ts.map((t) => ({ tid: t.getAttribute("data-tid"), text: t.textContent ?? "" })),
    );
    const tids = await query(["-g", "tid", "-w", "syscall=pread64"]);
    assert.ok(labels.length > 0 && labels.length <= 30, JSON.stringify(labels));
    assert.deepEqual(
      labels.map((l) => l.tid),
      tids.slice(0, labels.length).map((r) => String(r.tid)),
    );
    const note = await page.$eval("#lanes p", (p) => p.textContent ?? "");
    assert.match(note, new RegExp(`the ${labels.length} busiest of ${tids.length} threads`));
    const bucketS = Number(/a column is (\d+) s/.exec(note)?.[1]);
    assert.ok(bucketS > 0, note);

    // Every bucket's colour: the state with most samples of that thread in that bucket.
    const rects = await page.$$eval("#lanes rect", (rs) =>
      rs.map((r) => ({
        tid: r.getAttribute("data-tid"),
        t: Number(r.getAttribute("data-t")),
        state: r.getAttribute("data-state"),
      })),
    );
    const col = `time_${bucketS}s`;
    const cells = await query(["-g", `tid,${col},state`, "-w", "syscall=pread64"]);
    const best = new Map<string, { n: number; state: string }>();
    const shownTids = new Set(labels.map((l) => l.tid));
    for (const r of cells) {
      if (!shownTids.has(String(r.tid))) continue;
      const key = `${r.tid}/${Date.parse(`${String(r[col]).replace(" ", "T")}Z`) * 1000}`;
      if ((best.get(key)?.n ?? -1) < r.samples) best.set(key, { n: r.samples, state: String(r.state) });
    }
    assert.equal(rects.length, best.size);
    for (const r of rects) assert.equal(r.state, best.get(`${r.tid}/${r.t}`)?.state, `${r.tid} at ${r.t}`);

    // Top stacks: the first kernel stack's share and frames are tsnap query --stacks's.
    const q = await runCli([
      "query",
      DEMO,
      "--stacks",
      "kernel",
      "-w",
      "syscall=pread64",
      "--format",
      "json",
    ]);
    assert.equal(q.code, 0, q.stderr);
    const top = (
      JSON.parse(q.stdout) as { stacks: { hash: string; avg_threads: number; frames: string[] }[] }
    ).stacks[0];
    const first = await page.$eval("#stacks details[data-kind=kernel]", (d) => ({
      hash: d.getAttribute("data-hash"),
      avg: Number(d.getAttribute("data-avg")),
      frames: d.querySelector("pre")?.textContent ?? "",
      open: (d as HTMLDetailsElement).open,
    }));
    assert.equal(first.hash, top.hash);
    assert.equal(first.avg, top.avg_threads);
    assert.equal(first.frames, top.frames.join("\n"));
    assert.ok(first.open);

    const shot = process.env.TSNAP_SERVE_THREADS_SCREENSHOT;
    if (shot) {
      const panel = await page.$("#lanes-panel");
      await panel?.screenshot({ path: shot as `${string}.png` });
    }

    // A click on the first thread's label: the view keeps its filter and adds tid=.
    const before = await page.$eval("body", (b) => b.dataset.ready ?? "");
    await page.$eval("#lanes .lane-label", (t) =>
      t.dispatchEvent(new MouseEvent("click", { bubbles: true })),
    );
    await page.waitForFunction(() => new URL(location.href).searchParams.getAll("f").length === 2);
    assert.deepEqual(new URL(page.url()).searchParams.getAll("f"), [
      "syscall=pread64",
      `tid=${labels[0].tid}`,
    ]);
    await settled(before);
    const after = await page.$$eval("#lanes .lane-label", (ts) => ts.map((t) => t.getAttribute("data-tid")));
    assert.deepEqual(after, [labels[0].tid]);
    assert.deepEqual(errors, [], "no script errors");
  } finally {
    await browser.close();
    await srv.stop();
  }
});
