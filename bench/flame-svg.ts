// How long `tsnap flame` takes for 50,000 distinct stacks (the target: ≤ 1 s):
// read + parse + merge + layout + SVG in-process as the command does it (bytes read in
// chunks straight into packed stacks, the SVG written in pieces; min/median of 7 runs), and
// the records path other callers use (parseFolded of a string → flow → renderSvg), with the default
// --minwidth 0.1 px and with every frame drawn (--minwidth 0), and the whole command as a
// child process (start-up included). Stacks are generated with a fixed seed: depth 8-40,
// 3,000 function names, shared prefixes as real call trees have.
// Run: flock /tmp/tsnap-cpu.lock node dist/bench/flame-svg.js [STACKS]
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TSNAP_BIN } from "../src/testkit/cli.js";
import { seededRandom } from "../src/tools/flame/colors.js";
import { parseFolded } from "../src/tools/flame/folded.js";
import { readPacked } from "../src/tools/flame/folded-reader.js";
import { DEFAULT_SVG, renderSvg, renderSvgTo, XPAD } from "../src/tools/flame/svg.js";
import { flow, totalOf } from "../src/tools/flame/tree.js";

const N = Number(process.argv[2] ?? 50_000);
const rand = seededRandom(42);
const names = Array.from({ length: 3000 }, (_, i) => `mod${i % 17}\`function_${i}_${(i * 7919) % 1000}`);
const pick = () => names[Math.floor(rand() ** 2 * names.length)];

function generate(n: number): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  let prev: string[] = ["main"];
  while (lines.length < n) {
    // keep a random prefix of the previous stack, then grow new frames
    const keep = Math.floor(rand() * prev.length);
    const depth = 8 + Math.floor(rand() * 33);
    const frames = prev.slice(0, Math.max(1, keep));
    while (frames.length < depth) frames.push(pick());
    const key = frames.join(";");
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(`${key} ${1 + Math.floor(rand() ** 3 * 1000)}`);
    prev = frames;
  }
  return `${lines.join("\n")}\n`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const text = generate(N);
const dir = mkdtempSync(join(tmpdir(), "tsnap-bench-flame-"));
const input = join(dir, "in.folded");
writeFileSync(input, text);
console.log(`${N} distinct stacks, ${(text.length / 1e6).toFixed(1)} MB of folded text`);

for (const path of ["packed", "records"] as const) {
  for (const minPx of [0.1, 0]) {
    const ms: number[] = [];
    const cpuMs: number[] = [];
    let frames = 0;
    let bytes = 0;
    for (let r = 0; r < 7; r++) {
      const t = performance.now();
      const c = process.cpuUsage();
      if (path === "packed") {
        const stacks = readPacked(input, "input");
        const per = (DEFAULT_SVG.width - 2 * XPAD) / totalOf(stacks);
        const l = flow(stacks, { minSamples: minPx / per });
        bytes = 0;
        renderSvgTo(l, DEFAULT_SVG, (s) => {
          bytes += s.length;
        });
        frames = l.frames.length;
      } else {
        const stacks = parseFolded(text);
        const per = (DEFAULT_SVG.width - 2 * XPAD) / totalOf(stacks);
        const l = flow(stacks, { minSamples: minPx / per });
        bytes = renderSvg(l, DEFAULT_SVG).length;
        frames = l.frames.length;
      }
      ms.push(performance.now() - t);
      const u = process.cpuUsage(c);
      cpuMs.push((u.user + u.system) / 1000);
    }
    console.log(
      `in-process ${path === "packed" ? "(the command's path: file → packed → SVG pieces)" : "(records: parseFolded → flow → renderSvg string)"}, --minwidth ${minPx}: min ${Math.min(...ms).toFixed(0)} ms, median ${median(ms).toFixed(0)} ms; CPU (all threads, GC included) min ${Math.min(...cpuMs).toFixed(0)} ms, median ${median(cpuMs).toFixed(0)} ms (${frames} frames, ${(bytes / 1e6).toFixed(1)} MB SVG)`,
    );
  }
}

const cli: number[] = [];
for (let r = 0; r < 5; r++) {
  const t = performance.now();
  execFileSync(process.execPath, [TSNAP_BIN, "flame", input, "-o", join(dir, "out.svg")]);
  cli.push(performance.now() - t);
}
console.log(
  `tsnap flame FILE -o out.svg (child process, start-up included): min ${Math.min(...cli).toFixed(0)} ms, median ${median(cli).toFixed(0)} ms, ${(statSync(join(dir, "out.svg")).size / 1e6).toFixed(1)} MB`,
);
if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
