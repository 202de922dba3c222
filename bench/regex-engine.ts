// What the linear-time regex engine costs: switching it on (v8.setFlagsFromString, once per
// process), compiling a user pattern, matching thread-name-sized and long texts, against
// the default backtracking engine where that one finishes. Run: node dist/bench/regex-engine.js
import { setFlagsFromString } from "node:v8";
import { compileUserRegex } from "../src/platform/user-regex.js";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const t0 = performance.now();
setFlagsFromString("--enable-experimental-regexp-engine");
const flagUs = (performance.now() - t0) * 1000;
console.log(`switching the engine on: ${flagUs.toFixed(1)} µs (once per process)`);

const compileUs: number[] = [];
for (let i = 0; i < 200; i++) {
  const t = performance.now();
  new RegExp(`^kworker/${i}:\\d+H?-events`, "l");
  compileUs.push((performance.now() - t) * 1000);
}
console.log(
  `compile a pattern: median ${median(compileUs).toFixed(1)} µs, min ${Math.min(...compileUs).toFixed(1)} µs`,
);

const names = Array.from({ length: 600 }, (_, i) => `worker-${i % 37}-thread${i}`.slice(0, 15));
for (const [label, pattern] of [
  ["ordinary ^worker-1", "^worker-1"],
  ["catastrophic (.*.*)*X", "(.*.*)*X"],
] as const) {
  for (const flags of ["l", ""]) {
    if (flags === "" && label.startsWith("catastrophic")) {
      console.log(`${label}, backtracking engine: not run (exponential: hangs on 15-character names)`);
      continue;
    }
    const re = new RegExp(pattern, flags);
    const runs: number[] = [];
    for (let r = 0; r < 50; r++) {
      const t = performance.now();
      for (const n of names) re.test(n);
      runs.push((performance.now() - t) * 1000);
    }
    console.log(
      `${label}, ${flags ? "linear" : "backtracking"} engine: 600 names in median ${median(runs).toFixed(1)} µs, min ${Math.min(...runs).toFixed(1)} µs`,
    );
  }
}
for (const pattern of ["^worker-1", "(.*.*)*X"]) {
  const re = compileUserRegex(pattern, "-p", "", true); // what -p uses: answers remembered
  const runs: number[] = [];
  for (let r = 0; r < 50; r++) {
    const t = performance.now();
    for (const n of names) re.test(n);
    runs.push((performance.now() - t) * 1000);
  }
  console.log(
    `${pattern}, linear engine remembered per name (-p, rounds after the first): 600 names in median ${median(runs).toFixed(1)} µs`,
  );
}
const long = "a".repeat(100_000);
for (const p of ["(.*.*)*X", "(a|a)*$"]) {
  const t = performance.now();
  new RegExp(p, "l").test(long);
  console.log(`${p} on 100,000 characters, linear engine: ${(performance.now() - t).toFixed(0)} ms`);
}
