// The live window of ui --live and serve --live (query/live-history.ts) against the capture
// files it is fed from: after updates every 0.4 s of a running capture, its tables hold
// exactly the files' rows of the last N seconds up to its last round, each row once.
import assert from "node:assert/strict";
import test from "node:test";
import { openHistory } from "../../query/history.js";
import { type LiveHistory, openLiveHistory } from "../../query/live-history.js";
import { formatTimestampUs } from "../../store/files.js";
import { startLive } from "./ui-live.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const KEEP_US = 3e6;

test("live window: the last N seconds of the capture's files, every row once, older rows gone", async () => {
  // proc source, every thread: many rows per round, and it runs without root.
  const lv = await startLive({ hz: 10, source: "proc", minutes: KEEP_US / 60e6, all: true });
  let live: LiveHistory | null = null;
  try {
    for (let i = 0; !live; i++) {
      await sleep(250);
      live = await openLiveHistory(lv.dir, KEEP_US, 1).catch((err) => {
        if (i > 40) throw err;
        return null;
      });
    }
    for (let i = 0; i < 18; i++) {
      await sleep(400);
      await live.update();
    }
    const endUs = live.endUs;
    const from = formatTimestampUs(endUs - KEEP_US);
    const to = formatTimestampUs(endUs);
    // The files, read as history (written on meanwhile: only up to the window's end).
    const files = await openHistory(lv.dir, {}, Date.now() * 1000);
    try {
      for (const t of ["samples", "rounds"]) {
        const key = t === "samples" ? "timestamp, tid" : "timestamp";
        const sql = `SELECT count(*) AS n, count(DISTINCT (${key})) AS d, epoch_us(min(timestamp)) AS a, sum(weight_us) AS w FROM ${t}`;
        const range = `WHERE timestamp >= CAST('${from}' AS TIMESTAMP) AND timestamp < CAST('${to}' AS TIMESTAMP)`;
        const [mine] = await live.duck.all(sql);
        const [truth] = await files.duck.all(`${sql} ${range}`);
        const [all] = await files.duck.all(`SELECT epoch_us(min(timestamp)) AS a FROM ${t}`);
        assert.ok(Number(truth.n) > 0, `${t}: the files have rows in the window`);
        assert.ok(Number(all.a) < endUs - KEEP_US, `${t}: the capture ran longer than the window`);
        assert.equal(mine.n, truth.n, `${t}: the window's rows, as many as the files have`);
        assert.equal(mine.d, mine.n, `${t}: each row once`);
        assert.equal(mine.w, truth.w, `${t}: the same rows (sum of weights)`);
        assert.ok(Number(mine.a) >= endUs - KEEP_US, `${t}: nothing older than the window`);
      }
      // 10 Hz over 3 s: about 30 rounds kept (the sampler's own pacing may skip a few).
      const [r] = await live.duck.all("SELECT count(*) AS n FROM rounds");
      assert.ok(Number(r.n) >= 20 && Number(r.n) <= 31, `rounds kept: ${r.n}`);
    } finally {
      files.close();
    }
  } finally {
    live?.close();
    await lv.stop();
  }
});
