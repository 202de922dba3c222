// Benchmark of `tsnap ui`'s reads: the time from a key that changes the view to the data
// of the next screen (table + timeline through UiData.load), on the 0x.tools demo hour or
// any capture directory, for the steps of the walk: the first screen, drill DISK,
// drill pread64, group by filename, zoom in. Rendering is not included (pure, < 1 ms).
// `--window all`: every step over all of the data (24 h of bench/synthetic-day.ts) instead
// of the default last hour; zoom in is then the middle half of it.
//   node dist/bench/ui-keys.js [--dir DIR] [--runs N] [--window last-hour|all]
import { join } from "node:path";
import { parseArgs } from "node:util";
import { renderTable } from "../src/report/table.js";
import { REPO_ROOT } from "../src/testkit/workloads.js";
import { UiData } from "../src/tools/ui/ui-data.js";
import { initialView, type View } from "../src/ui-model/view-state.js";

const { values } = parseArgs({
  options: {
    dir: { type: "string", default: join(REPO_ROOT, "..", "shared", "data", "0xtools-v3-demo") },
    runs: { type: "string", default: "7" },
    window: { type: "string", default: "last-hour" },
  },
});
const runs = Number(values.runs);
const data = new UiData(String(values.dir), 3600e6);
const t0 = performance.now();
await data.reopen();
const openMs = performance.now() - t0;
const ext = await data.extent();
const whole = values.window === "all";
const mid = whole ? Math.round((ext.startUs + ext.endUs) / 2) : ext.endUs - 1800e6;
const half = whole ? Math.round((ext.endUs - ext.startUs) / 4) : 900e6;

const base = initialView();
const steps: [string, View][] = [
  ["first screen (state, syscall)", base],
  [
    "drill state=DISK",
    { ...base, groups: ["syscall"], filters: [{ column: "state", op: "=", value: "DISK" }] },
  ],
  [
    "drill syscall=pread64",
    {
      ...base,
      groups: ["comm2"],
      filters: [
        { column: "state", op: "=", value: "DISK" },
        { column: "syscall", op: "=", value: "pread64" },
      ],
    },
  ],
  [
    "group by filename",
    {
      ...base,
      groups: ["filename"],
      filters: [
        { column: "state", op: "=", value: "DISK" },
        { column: "syscall", op: "=", value: "pread64" },
      ],
    },
  ],
  ["zoom in (middle half)", { ...base, fromUs: mid - half, toUs: mid + half }],
];
if (whole)
  for (const step of steps)
    if (step[1].fromUs === null) step[1] = { ...step[1], fromUs: ext.startUs, toUs: ext.endUs };
const rows: (string | number)[][] = [];
for (const [name, view] of steps) {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const a = performance.now();
    await data.load(view, 92);
    ms.push(performance.now() - a);
  }
  ms.sort((x, y) => x - y);
  rows.push([name, ms[0], ms[Math.floor(ms.length / 2)]]);
}
data.close();
console.log(
  `${values.dir}: open (discover + views) ${openMs.toFixed(0)} ms; ${runs} runs per step; window ${whole ? "all of the data" : "the last hour"}`,
);
process.stdout.write(renderTable(["step", "min_ms", "median_ms"], rows, { decimals: 1 }));
