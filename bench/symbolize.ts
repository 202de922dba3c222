// User-frame symbolization rate: 10,000 distinct addresses in the executable mappings of
// 3 binaries this process maps (node, libc, libstdc++ or the next largest), named the way
// profile/offcputime print them. First pass: tables load (ELF read, symbols sorted);
// then 7 passes after load (min/median). Target (issue 9): ≥ 1 M frames/s after load.
// Run: flock /tmp/tsnap-cpu.lock node dist/bench/symbolize.js
import { readFileSync } from "node:fs";
import { parseMaps, UserSymbolizer } from "../src/platform/user-symbols.js";

const N = 10_000;
const maps = parseMaps(readFileSync("/proc/self/maps", "latin1"));
const byFile = new Map<string, { path: string; ranges: [number, number][]; bytes: number }>();
for (const m of maps) {
  const e = byFile.get(m.path) ?? { path: m.path, ranges: [], bytes: 0 };
  e.ranges.push([m.start, m.end]);
  e.bytes += m.end - m.start;
  byFile.set(m.path, e);
}
const three = [...byFile.values()].sort((a, b) => b.bytes - a.bytes).slice(0, 3);
let seed = 42;
const rand = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x80000000;
};
const addrs = new Set<number>();
while (addrs.size < N) {
  const f = three[addrs.size % 3];
  const [s, e] = f.ranges[Math.floor(rand() * f.ranges.length)];
  addrs.add(s + Math.floor(rand() * (e - s)));
}
const list = [...addrs];
const sym = new UserSymbolizer();
const pid = process.pid;
let t = process.hrtime.bigint();
let named = 0;
for (const a of list) if (!sym.name(pid, a).startsWith("[unknown]")) named++;
const loadMs = Number(process.hrtime.bigint() - t) / 1e6;
const rates: number[] = [];
for (let r = 0; r < 7; r++) {
  t = process.hrtime.bigint();
  let n = 0;
  for (const a of list) n += sym.name(pid, a).length;
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  if (n === 0) throw new Error("no frames");
  rates.push(N / s);
}
rates.sort((a, b) => a - b);
console.log(`binaries: ${three.map((f) => f.path.slice(f.path.lastIndexOf("/") + 1)).join(", ")}`);
console.log(`${N} distinct frames, ${named} named; first pass (tables load): ${loadMs.toFixed(1)} ms`);
console.log(
  `after load: min ${(rates[0] / 1e6).toFixed(2)} M frames/s, median ${(rates[3] / 1e6).toFixed(2)} M frames/s`,
);
