// Writes the synthetic capture the views' benchmarks read on a large history: 24 h at
// 1 Hz of 500 active threads (43.2 M sample rows) with latency histograms, in DIR (kept;
// an hour whose files exist is not written again). Then:
//   node dist/bench/ui-keys.js --dir DIR --window all
//   node dist/bench/serve-api.js DIR --window all
// Run: flock /tmp/tsnap-cpu.lock node dist/bench/synthetic-day.js [DIR] [--hours N] [--threads N]
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Duck } from "../src/query/duck.js";
import { writeSyntheticHours } from "./synthetic-capture.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { hours: { type: "string", default: "24" }, threads: { type: "string", default: "500" } },
});
const hours = Number(values.hours);
const threads = Number(values.threads);
const dir = positionals[0] ?? join(tmpdir(), `tsnap-synthetic-${hours}h-${threads}t`);
mkdirSync(dir, { recursive: true });
const duck = await Duck.open();
const t0 = performance.now();
try {
  await writeSyntheticHours(duck, dir, {
    hours,
    threads,
    lathist: true,
    onHour: (h) => process.stderr.write(`\rhour ${h + 1}/${hours}`),
  });
} finally {
  duck.close();
}
process.stderr.write("\n");
console.log(
  `${dir}: ${hours} h × ${threads} threads at 1 Hz (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
);
