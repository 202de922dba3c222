// A capture restarted in the same hour after its schema gained columns (e.g. `rounds`'
// lost_rounds, late_rounds, self_active) starts a new part instead of appending rows
// under the old header.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ProcSampler } from "../sources/proc/proc-sampler.js";
import { csvHeader } from "./csv-row.js";
import { hourKey, partitionName } from "./files.js";
import { HourlyStore } from "./hourly-store.js";
import { TABLE_NAMES } from "./schema.js";

test("an open-hour CSV part with another header is left alone: writing goes to a new part", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsnap-header-"));
  try {
    const now = Date.now() * 1000;
    const hour = hourKey(now);
    // Part 0 as an older version left it: `rounds` without its last three columns.
    const oldRounds = csvHeader("rounds").trimEnd().split(",").slice(0, -3).join(",");
    for (const t of TABLE_NAMES) {
      const header = t === "rounds" ? `${oldRounds}\n` : csvHeader(t);
      writeFileSync(join(dir, partitionName("tsnap", t, hour, 0, "csv")), header);
    }
    const notices: string[] = [];
    const store = new HourlyStore({ dir, format: "csv", notice: (l) => notices.push(l) });
    const sampler = new ProcSampler({ hz: 1, all: false, pids: new Set([process.pid]), needs: new Set() });
    const round = sampler.round();
    round.timestamp = now;
    store.writeRound(round, { source: "proc", cpuUs: 0, lost: 0, weightUs: 1_000_000 });
    await store.close();
    const old = readFileSync(join(dir, partitionName("tsnap", "rounds", hour, 0, "csv")), "utf8");
    assert.equal(old, `${oldRounds}\n`, "the old part is untouched");
    const fresh = readFileSync(join(dir, partitionName("tsnap", "rounds", hour, 1, "csv")), "utf8").split(
      "\n",
    );
    assert.equal(`${fresh[0]}\n`, csvHeader("rounds"));
    assert.equal(fresh[1].split(",").length, csvHeader("rounds").split(",").length);
    assert.ok(!notices.some((n) => /continuing/.test(n)), notices.join("\n"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
