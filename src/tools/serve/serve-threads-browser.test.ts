// The threads and stacks panels in a real browser (Debian's chromium, headless, driven by
// puppeteer-core) on the 0x.tools demo hour, opened at an address with a filter: the
// swimlanes' threads and the colour of every bucket are `tsnap query -g tid` and
// `-g tid,time_Ns,state`'s (the state with most samples), the first top kernel stack is
// `tsnap query --stacks kernel`'s, and a click on a thread drills to it. The process
// picker lists `tsnap query -g tgid`'s processes in its order, and a typed name drills.
// TSNAP_SERVE_THREADS_SCREENSHOT=FILE saves a screenshot (docs/img/serve-threads.png).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import type { Page } from "puppeteer-core";
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

const SKIP = !existsSync(DEMO)
  ? `demo data not found at ${DEMO}`
  : !CHROMIUM
    ? "chromium is not installed (scripts/setup.sh --tests installs it)"
    : !DRIVER
      ? "puppeteer-core is not installed (scripts/setup.sh installs the npm packages)"
      : false;

/** `tsnap serve` on the demo hour and a headless Chromium page (1280x1000) for `fn`; script errors collected. */
async function onDemoPage(fn: (page: Page, url: string, errors: string[]) => Promise<void>): Promise<void> {
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
    await fn(page, srv.url, errors);
  } finally {
    await browser.close();
    await srv.stop();
  }
}

test("headless Chromium, demo hour, syscall=pread64: swimlanes and top stacks equal tsnap query's; a thread's label drills to it", {
  skip: SKIP,
  timeout: 120_000,
}, async () => {
  await onDemoPage(async (page, url, errors) => {
    await page.goto(`${url}?g=comm2&f=syscall%3Dpread64`, { waitUntil: "load" });
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
  });
});

test("headless Chromium, demo hour: the process picker lists tsnap query -g tgid's processes busiest first; a typed name drills to that process", {
  skip: SKIP,
  timeout: 120_000,
}, async () => {
  await onDemoPage(async (page, url, errors) => {
    await page.goto(url, { waitUntil: "load" });
    await page.waitForFunction(() => document.querySelectorAll("#table tbody tr").length > 0, {
      timeout: 30_000,
    });

    // Truth: tsnap query's processes, busiest first, each named by its most sampled comm.
    const procs = await query(["-g", "tgid"]);
    const names = new Map<string, { comm: string; n: number }>();
    for (const r of await query(["-g", "tgid,comm"])) {
      const k = String(r.tgid);
      if ((names.get(k)?.n ?? -1) < r.samples) names.set(k, { comm: String(r.comm), n: r.samples });
    }
    await page.focus("#proc");
    await page.waitForFunction(() => document.querySelectorAll("#proc-list option").length > 0, {
      timeout: 30_000,
    });
    const options = await page.$$eval("#proc-list option", (os) =>
      os.map((o) => ({ value: o.getAttribute("value") ?? "", label: o.getAttribute("label") ?? "" })),
    );
    assert.equal(options.length, Math.min(500, procs.length));
    const shown = Math.min(10, procs.length);
    for (let i = 0; i < shown; i++) {
      const tgid = String(procs[i].tgid);
      assert.equal(options[i].value, tgid, `option ${i}`);
      const m = /^(.*) · ([\d.]+) threads$/.exec(options[i].label);
      assert.equal(m?.[1], names.get(tgid)?.comm, options[i].label);
      assert.ok(
        Math.abs(Number(m?.[2]) - procs[i].avg_threads) <= 0.005,
        `${options[i].label} vs ${procs[i].avg_threads}`,
      );
    }

    // A name that no busier process's name holds: typing it and Enter keeps that process.
    const pick = procs.slice(1).find((p, i) => {
      const comm = names.get(String(p.tgid))?.comm ?? "";
      return (
        comm !== "" &&
        !procs.slice(0, i + 1).some((q) => (names.get(String(q.tgid))?.comm ?? "").includes(comm))
      );
    });
    assert.ok(pick, "the demo hour has a second process with a name of its own");
    const pid = String(pick.tgid);
    await page.type("#proc", names.get(pid)?.comm ?? "");
    await page.keyboard.press("Enter");
    await page.waitForFunction(
      (f) => new URL(location.href).searchParams.getAll("f").includes(f),
      {
        timeout: 30_000,
      },
      `tgid=${pid}`,
    );
    await page.waitForFunction(
      (g) =>
        new URL(location.href).searchParams.get("g") === g &&
        document.querySelectorAll("#table tbody tr").length > 0,
      { timeout: 30_000 },
      new URL(page.url()).searchParams.get("g"),
    );
    const groups = (new URL(page.url()).searchParams.get("g") ?? "state").split(",");
    await page.waitForFunction(() => !document.getElementById("status")?.classList.contains("busy"), {
      timeout: 30_000,
    });
    const rows = await page.$$eval("#table tbody tr", (trs) => {
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
    const truth = await query(["-g", groups.join(","), "-w", `tgid=${pid}`]);
    const key = (r: Record<string, unknown>) => groups.map((g) => String(r[g] ?? "")).join("|");
    assert.deepEqual(
      rows.map(key).sort(),
      truth.map(key).sort(),
      `rows of tgid=${pid} by ${groups.join(",")}`,
    );
    for (const t of truth) {
      const r = rows.find((x) => key(x) === key(t));
      assert.ok(
        Math.abs(Number(r?.avg_threads) - t.avg_threads) <= 0.01,
        `${key(t)}: ${r?.avg_threads} vs ${t.avg_threads}`,
      );
    }

    // Text that matches no process says so and leaves the view alone.
    const address = page.url();
    await page.type("#proc", "no-such-process-name");
    await page.keyboard.press("Enter");
    await page.waitForFunction(
      () => /no process of this view matches/.test(document.getElementById("status")?.textContent ?? ""),
      {
        timeout: 30_000,
      },
    );
    assert.equal(page.url(), address);
    assert.deepEqual(errors, [], "no script errors");
  });
});
