// The SVG in a real browser (Debian's chromium, headless, driven by puppeteer-core): a
// click on a frame zooms (its width becomes the full width, its children scale with it,
// frames outside it hide), Reset Zoom restores, and Search highlights matches with the
// right "Matched: N%" (nested matches counted once). TSNAP_FLAME_SCREENSHOT=FILE saves a
// screenshot of the searched graph (docs/img/flame.png is made this way).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../../testkit/cli.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
const DRIVER = (() => {
  try {
    createRequire(import.meta.url).resolve("puppeteer-core");
    return true;
  } catch {
    return false;
  }
})();

// 200 samples: main → worker (100: hot_a 75, hot_b 25 with tiny 1 above it), main → idle
// (100). tiny (5.9 px) is too narrow for a label until hot_b is zoomed.
const FOLDED = "main;worker;hot_a 75\nmain;worker;hot_b 24\nmain;worker;hot_b;tiny 1\nmain;idle 100\n";

test("headless Chromium: click zooms, Reset Zoom restores, Search highlights with the match percentage", {
  skip: !CHROMIUM
    ? "chromium is not installed (scripts/setup.sh --tests installs it)"
    : !DRIVER
      ? "puppeteer-core is not installed (scripts/setup.sh installs the npm packages)"
      : false,
}, async () => {
  const { default: puppeteer } = await import("puppeteer-core");
  const dir = mkdtempSync(join(tmpdir(), "tsnap-flame-browser-"));
  const input = join(dir, "in.folded");
  const svgPath = join(dir, "flame.svg");
  writeFileSync(input, FOLDED);
  const r = await runCli(["flame", input, "-o", svgPath, "--title", "tsnap flame test"]);
  assert.equal(r.code, 0, r.stderr);
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 150 }); // the SVG: 5 frames of 16 px + title + details
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`file://${svgPath}`, { waitUntil: "load" });
    // width and visibility of a frame, by name, as the browser has it now
    const frame = (name: string) =>
      page.evaluate((n: string) => {
        for (const g of document.querySelectorAll("#frames > g")) {
          const t = g.querySelector("title")?.textContent ?? "";
          if (t.slice(0, t.lastIndexOf(" (")) !== n) continue;
          const rect = g.querySelector("rect")!;
          const box = rect.getBoundingClientRect();
          return {
            width: Number(rect.getAttribute("width")),
            x: Number(rect.getAttribute("x")),
            fill: rect.getAttribute("fill"),
            hidden: getComputedStyle(g).display === "none",
            cx: box.x + box.width / 2,
            cy: box.y + box.height / 2,
            label: g.querySelector("text")?.textContent ?? "",
          };
        }
        throw new Error(`no frame ${n}`);
      }, name);
    const full = 1180;
    const near = (got: number, want: number, what: string) =>
      assert.ok(Math.abs(got - want) < 0.05, `${what}: ${got}, expected ${want}`);

    near((await frame("worker")).width, full / 2, "worker before zoom");
    const w = await frame("worker");
    await page.mouse.click(w.cx, w.cy);
    near((await frame("worker")).width, full, "clicked frame takes the full width");
    near((await frame("hot_a")).width, full * 0.75, "hot_a: 75 of worker's 100");
    near((await frame("hot_b")).x, 10 + full * 0.75, "hot_b starts after hot_a");
    assert.equal((await frame("idle")).hidden, true, "a frame outside the zoomed one hides");
    near((await frame("main")).width, full, "parents span the width");
    assert.equal((await frame("hot_b")).label, "hot_b", "labels refit to the new width");

    await page.click("#unzoom");
    near((await frame("worker")).width, full / 2, "Reset Zoom");
    assert.equal((await frame("idle")).hidden, false);

    // Search answers the prompt with a regex; "o" matches worker, hot_a and hot_b, which
    // are nested: they count once (50%), not 100%.
    const answer = (text: string) =>
      page.once("dialog", (d) => {
        void d.accept(text);
      });
    answer("o");
    await page.click("#search");
    const matched = () => page.$eval("#matched", (e) => e.textContent);
    assert.equal(await matched(), "Matched: 50.0%");
    assert.equal((await frame("hot_a")).fill, "rgb(230,0,230)");
    assert.notEqual((await frame("idle")).fill, "rgb(230,0,230)");
    await page.click("#search"); // Reset Search
    answer("^hot_b$");
    await page.click("#search");
    assert.equal(await matched(), "Matched: 12.5%");
    const shot = process.env.TSNAP_FLAME_SCREENSHOT;
    if (shot) await page.screenshot({ path: shot as `${string}.png` });
    assert.deepEqual(errors, [], "no script errors");
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
