// tsnap serve on a capture (default: the 0x.tools xcapture demo hour, 27 threads × 3600 s):
// API latency (min / p50 / p95 of 20 requests each, after one warm-up) of the page's
// requests over the default window (the last hour), the page's size (every file it loads,
// raw and gzipped) and first paint in headless Chromium (navigation → table and timeline
// drawn; min / median of 5). Issue 13's targets: API p95 ≤ 200 ms on one hour, first paint
// ≤ 1 s, page ≤ 300 KB gzipped.
// `--window all`: every API request over all of the data (24 h × 500 threads of
// bench/synthetic-day.ts: issue 13's target p95 ≤ 2 s) instead of the default last hour.
// Run: flock /tmp/tsnap-cpu.lock node dist/bench/serve-api.js [DIR] [--window all]
import { existsSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { startServe } from "../src/testkit/serve-capture.js";
import { REPO_ROOT } from "../src/testkit/workloads.js";

const args = process.argv.slice(2);
const wi = args.indexOf("--window");
const WHOLE = wi >= 0 && args[wi + 1] === "all";
if (wi >= 0) args.splice(wi, 2);
const DIR = args[0] ?? join(REPO_ROOT, "../shared/data/0xtools-v3-demo");
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));

const ms = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return `min ${s[0].toFixed(1)}  p50 ${at(0.5).toFixed(1)}  p95 ${at(0.95).toFixed(1)} ms`;
};

const srv = await startServe([DIR, "--port", "0"], 120_000);
try {
  const info = await (await fetch(`${srv.origin}/api/info`)).json();
  const ext = info.extent as { startUs: number; endUs: number };
  const win = WHOLE
    ? { fromUs: Math.floor(ext.startUs / 1e6) * 1e6, toUs: Math.ceil(ext.endUs / 1e6) * 1e6 }
    : { fromUs: Math.max(ext.startUs, ext.endUs - 3600e6), toUs: ext.endUs };
  const half = Math.round((win.fromUs + win.toUs) / 2e3) * 1e3;
  const w = WHOLE ? `&from=${win.fromUs}&to=${win.toUs}` : "";
  const runs = WHOLE ? 6 : 21;
  console.log(
    `tsnap serve ${DIR}; window ${WHOLE ? "all of the data" : "the last hour"}; ${runs - 1} runs each`,
  );
  for (const path of [
    `/api/view?g=state,syscall&cols=250${w}`,
    `/api/view?g=state,syscall&cols=250&by=comm${w}`,
    `/api/view?g=syscall,filenamesum&f=state%3DDISK&lat=1&cols=250${w}`,
    `/api/hist?kind=sc${w}`,
    `/api/heatmap?kind=sc&cols=250${w}`,
    `/api/flame.svg?g=state${w}`,
    `/api/flame.svg?from=${half}&to=${win.toUs}&bfrom=${win.fromUs}&bto=${half}`,
  ]) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = await fetch(srv.origin + path);
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
      if (i > 0) times.push(performance.now() - t0);
    }
    console.log(`${path.replace(/&(b?from|b?to)=\d+/g, "").padEnd(64)} ${ms(times)}`);
  }
  let raw = 0;
  let gz = 0;
  for (const f of [
    "/",
    "/app.js",
    "/timeline.js",
    "/panels.js",
    "/style.css",
    "/model/view-state.js",
    "/model/view-url.js",
    "/model/view-window.js",
    "/model/heat-grid.js",
    "/heatmap.js",
  ]) {
    const body = Buffer.from(await (await fetch(srv.origin + f)).arrayBuffer());
    raw += body.length;
    gz += gzipSync(body).length;
  }
  console.log(`page files: ${(raw / 1024).toFixed(1)} KB, ${(gz / 1024).toFixed(1)} KB gzipped`);
  if (!CHROMIUM) console.log("first paint: skipped (no chromium)");
  else {
    const { default: puppeteer } = await import("puppeteer-core");
    const browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
    });
    try {
      const times: number[] = [];
      for (let i = 0; i < 6; i++) {
        const page = await browser.newPage();
        await page.setViewport({ width: 1280, height: 1000 });
        const t0 = performance.now();
        await page.goto(srv.url);
        await page.waitForFunction(() => document.body.dataset.ready !== undefined, { timeout: 30_000 });
        if (i > 0) times.push(performance.now() - t0);
        await page.close();
      }
      console.log(`first paint (navigation → timeline and table drawn): ${ms(times)}`);
    } finally {
      await browser.close();
    }
  }
} finally {
  await srv.stop();
}
