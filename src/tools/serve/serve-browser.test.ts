// The page in a real browser (Debian's chromium, headless, driven by puppeteer-core) over
// a real capture of 2 spinning threads: the timeline draws them as about 2 threads on or
// queued for a CPU, a drag across the timeline narrows the window (table and address
// follow; Esc during a drag cancels it), reloading the address restores the view, a
// click on a value drills down and Back returns. TSNAP_SERVE_SCREENSHOT=FILE saves a screenshot (docs/img/serve.png).
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import { Duck } from "../../query/duck.js";
import { captureSpinners, startServe } from "../../testkit/serve-capture.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
const DRIVER = (() => {
  try {
    createRequire(import.meta.url).resolve("puppeteer-core");
    return true;
  } catch {
    return false;
  }
})();

const N = 2;

/**
 * The truth for the heatmap: completions per (bucket, slot) counted by SQL straight over
 * the capture's lathist files (not through tsnap's views), in [fromUs, toUs).
 */
async function lathistCounts(dir: string, kind: string, fromUs: number, toUs: number, bucketUs: number) {
  const files = readdirSync(dir)
    .filter((f) => /^tsnap_lathist_.*\.(csv|parquet)$/.test(f))
    .map((f) => join(dir, f));
  const key = (t: number, slot: number) => `${t}/${slot}`;
  const out = new Map<string, number>();
  if (files.length === 0) return out;
  const duck = await Duck.open();
  try {
    const reads = files.map((f) =>
      f.endsWith(".csv")
        ? `SELECT timestamp::TIMESTAMP AS ts, kind, slot, count FROM read_csv('${f}', header = true)`
        : `SELECT timestamp::TIMESTAMP AS ts, kind, slot, count FROM read_parquet('${f}')`,
    );
    const rows = await duck.all(
      `SELECT epoch_us(ts) // ${bucketUs} * ${bucketUs} AS t, slot, sum(count) AS n
       FROM (${reads.join(" UNION ALL ")})
       WHERE kind = '${kind}' AND epoch_us(ts) >= ${fromUs} AND epoch_us(ts) < ${toUs}
       GROUP BY ALL`,
    );
    for (const r of rows) out.set(key(Number(r.t), Number(r.slot)), Number(r.n));
  } finally {
    duck.close();
  }
  return out;
}

test("headless Chromium: timeline, brush → table (Esc cancels a drag), address and heatmap (cells = SQL over the files), reload restores, click drills, Back returns, differential flame graph", {
  skip: !CHROMIUM
    ? "chromium is not installed (scripts/setup.sh --tests installs it)"
    : !DRIVER
      ? "puppeteer-core is not installed (scripts/setup.sh installs the npm packages)"
      : false,
}, async (t) => {
  const { default: puppeteer } = await import("puppeteer-core");
  const cap = await captureSpinners(N, 10);
  if (cap.note) t.diagnostic(cap.note);
  const srv = await startServe([cap.dir, "--port", "0"]);
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 1100 });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    // Each render of the page bumps body[data-ready]: wait for the one after an action.
    const ready = () => page.$eval("body", (b) => b.dataset.ready ?? "");
    const rendered = (before: string) =>
      page.waitForFunction((b) => (document.body.dataset.ready ?? "") !== b, { timeout: 15_000 }, before);
    const tableRows = () =>
      page.$$eval("#table tbody tr", (trs) => {
        const heads = [...document.querySelectorAll("#table thead th")].map((th) =>
          (th.textContent ?? "").replace(/ [↑↓]$/, ""),
        );
        return trs.map((tr) =>
          Object.fromEntries(
            [...tr.querySelectorAll("td")].map((td, i) => [
              heads[i],
              (td.querySelector("a") ?? td).textContent ?? "",
            ]),
          ),
        );
      });
    const cpuThreads = (rows: Record<string, string>[]) =>
      rows
        .filter((r) => r.state === "RUN" || r.state === "RUNQ")
        .reduce((a, r) => a + Number(r.avg_threads), 0);

    await page.goto(srv.url, { waitUntil: "load" });
    await page.waitForSelector("#bars rect", { timeout: 15_000 });
    await page.waitForFunction(() => document.querySelectorAll("#table tbody tr").length > 0);

    // The timeline: per whole bucket, RUN + RUNQ rectangles stack to about N threads.
    const bars = await page.$$eval("#bars rect", (rs) =>
      rs.map((r) => ({
        key: r.getAttribute("data-key"),
        t: Number(r.getAttribute("data-t")),
        avg: Number(r.getAttribute("data-avg")),
        h: Number(r.getAttribute("height")),
      })),
    );
    const perBucket = new Map<number, number>();
    for (const b of bars)
      if (b.key === "RUN" || b.key === "RUNQ") perBucket.set(b.t, (perBucket.get(b.t) ?? 0) + b.avg);
    const inner = [...perBucket].sort((a, b) => a[0] - b[0]).slice(1, -1);
    const mean = inner.reduce((a, [, x]) => a + x, 0) / inner.length;
    assert.ok(Math.abs(mean - N) <= 0.3, `timeline RUN + RUNQ ${mean}`);
    assert.ok(bars.every((b) => b.h > 0));
    const rows0 = await tableRows();
    assert.ok(Math.abs(cpuThreads(rows0) - N) <= 0.3, `table: ${JSON.stringify(rows0)}`);
    const samples = (rows: Record<string, string>[]) => rows.reduce((a, r) => a + Number(r.samples), 0);

    // The flame graph frame: the SVG's own script ran (it numbers the frames) under its CSP.
    const flame = await page.waitForFrame((f) => f.url().includes("/api/flame.svg"), { timeout: 15_000 });
    await flame.waitForSelector("#frames > g[data-i]", { timeout: 15_000 });

    // Brush the middle of the timeline: the window, the address and the table follow.
    const box = await page.$eval("#timeline", (e) => {
      const b = e.getBoundingClientRect();
      return { x: b.x, y: b.y, w: b.width, h: b.height };
    });
    const windowBefore = await page.$eval("#window", (e) => e.textContent);
    let before = await ready();

    // Esc during a drag cancels it: the brush is hidden, releasing the button selects nothing.
    const urlBefore = page.url();
    await page.mouse.move(box.x + box.w * 0.2, box.y + box.h / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.w * 0.5, box.y + box.h / 2, { steps: 6 });
    assert.equal(await page.$eval("#timeline .brush", (b) => b.getAttribute("visibility")), "visible");
    await page.keyboard.press("Escape");
    assert.equal(await page.$eval("#timeline .brush", (b) => b.getAttribute("visibility")), "hidden");
    await page.mouse.move(box.x + box.w * 0.6, box.y + box.h / 2, { steps: 3 });
    await page.mouse.up();
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(page.url(), urlBefore, "a cancelled drag changes no address");
    assert.equal(await ready(), before, "a cancelled drag reads nothing");
    assert.equal(await page.$eval("#window", (e) => e.textContent), windowBefore);
    assert.equal(await page.$eval("#timeline .brush", (b) => b.getAttribute("visibility")), "hidden");

    await page.mouse.move(box.x + box.w * 0.3, box.y + box.h / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.w * 0.65, box.y + box.h / 2, { steps: 8 });
    await page.mouse.up();
    await rendered(before);
    const brushed = new URL(page.url());
    const from = Number(brushed.searchParams.get("from"));
    const to = Number(brushed.searchParams.get("to"));
    assert.ok(from > 0 && to > from, page.url());
    const windowAfter = await page.$eval("#window", (e) => e.textContent);
    assert.notEqual(windowAfter, windowBefore);
    const rows1 = await tableRows();
    assert.ok(
      samples(rows1) < samples(rows0) * 0.6,
      `samples ${samples(rows1)} after brush, ${samples(rows0)} before`,
    );
    assert.ok(Math.abs(cpuThreads(rows1) - N) <= 0.4, `brushed table: ${JSON.stringify(rows1)}`);

    // The syscall heatmap of the brushed window: every cell is the SQL count of the
    // lathist rows of its bucket and slot, and no counted cell is missing.
    await page.waitForFunction(
      () => document.getElementById("heat-sc")?.dataset.ready === document.body.dataset.ready,
      { timeout: 15_000 },
    );
    const heat = await page.$eval("#heat-sc", (d) => ({
      bucketUs: Number(d.querySelector("svg")?.getAttribute("data-bucket-us") ?? 0),
      text: d.textContent ?? "",
      cells: [...d.querySelectorAll("svg rect[data-n]")].map((r) => ({
        t: Number(r.getAttribute("data-t")),
        slot: Number(r.getAttribute("data-slot")),
        n: Number(r.getAttribute("data-n")),
      })),
    }));
    if (cap.source === "proc") assert.match(heat.text, /no latency histograms/);
    else {
      assert.ok(heat.bucketUs > 0, heat.text);
      const truth = await lathistCounts(cap.dir, "sc", from, to, heat.bucketUs);
      const shown = new Map(heat.cells.map((c) => [`${c.t}/${c.slot}`, c.n]));
      assert.ok(truth.size > 0, "the capture counted syscalls in the window");
      assert.deepEqual(shown, truth);
      // The sleeper's 100 ms clock_nanosleep calls: slot 16 (65536-131071 µs) is drawn.
      assert.ok(
        heat.cells.some((c) => c.slot === 16),
        JSON.stringify(heat.cells.slice(0, 20)),
      );
    }
    const shot = process.env.TSNAP_SERVE_SCREENSHOT;
    if (shot) await page.screenshot({ path: shot as `${string}.png`, fullPage: true });

    // Reloading the address restores the same view.
    await page.goto(brushed.href, { waitUntil: "load" });
    await page.waitForFunction(() => document.querySelectorAll("#table tbody tr").length > 0);
    await page.waitForFunction(() => (document.body.dataset.ready ?? "") !== "");
    assert.equal(await page.$eval("#window", (e) => e.textContent), windowAfter);
    assert.deepEqual(await tableRows(), rows1);

    // A click on the state RUN drills down: filter state=RUN, grouped by syscall.
    before = await ready();
    await page.$$eval("#table td.group[data-column=state] a", (as) => {
      const a = as.find((x) => x.textContent === "RUN");
      if (!a) throw new Error("no RUN cell");
      (a as HTMLElement).click();
    });
    await rendered(before);
    const drilled = new URL(page.url());
    assert.deepEqual(drilled.searchParams.getAll("f"), ["state=RUN"]);
    assert.equal(drilled.searchParams.get("g"), "syscall");
    assert.equal(drilled.searchParams.get("from"), String(from), "the window stays");
    assert.match(await page.$eval("#crumbs", (e) => e.textContent ?? ""), /all threads › state=RUN/);
    const heads = await page.$$eval("#table thead th", (ths) => ths.map((th) => th.textContent));
    assert.ok(heads.includes("syscall") && !heads.includes("state"), heads.join(","));

    // Back: the brushed view again.
    before = await ready();
    await page.click("#back");
    await rendered(before);
    assert.equal(page.url(), brushed.href);
    assert.deepEqual(await tableRows(), rows1);

    // Compare with the window before: the address keeps it, the frame shows a differential graph.
    before = await ready();
    await page.select("#flame-base", "prev");
    await rendered(before);
    assert.equal(new URL(page.url()).searchParams.get("diff"), "prev");
    await page.waitForFunction(() =>
      (document.getElementById("flame") as HTMLIFrameElement | null)?.src.includes("bfrom="),
    );
    const diffFrame = await page.waitForFrame((f) => f.url().includes("bfrom="), { timeout: 15_000 });
    await diffFrame.waitForSelector("#frames > g[data-i]", { timeout: 15_000 });
    const diffUrl = new URL(diffFrame.url());
    assert.equal(Number(diffUrl.searchParams.get("bto")), from, "the base ends where the window starts");
    assert.equal(Number(diffUrl.searchParams.get("bfrom")), from - (to - from));
    assert.match(await diffFrame.$eval("svg", (e) => e.textContent ?? ""), /Thread states: differential/);
    assert.deepEqual(errors, [], "no script errors");
  } finally {
    await browser.close();
    await srv.stop();
    cap.remove();
  }
});
