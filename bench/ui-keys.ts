// Benchmark of `tsnap ui`'s reads: the time from a key that changes the view to the data
// of the next screen (table + timeline through UiData.load), on the 0x.tools demo hour or
// any capture directory, for the steps of the walk: the first screen, drill DISK,
// drill pread64, group by filename, zoom in. Rendering is not included (pure, < 1 ms).
//   node dist/bench/ui-keys.js [--dir DIR] [--runs N]
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
  },
});
const runs = Number(values.runs);
const data = new UiData(String(values.dir), 3600e6);
const t0 = performance.now();
await data.reopen();
const openMs = performance.now() - t0;
const ext = await data.extent();
const mid = ext.endUs - 1800e6;

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
  ["zoom in (middle half)", { ...base, fromUs: mid - 900e6, toUs: mid + 900e6 }],
];
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
console.log(`${values.dir}: open (discover + views) ${openMs.toFixed(0)} ms; ${runs} runs per step`);
process.stdout.write(renderTable(["step", "min_ms", "median_ms"], rows, { decimals: 1 }));
