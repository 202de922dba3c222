// Benchmark: what `tsnap memleak -p` costs. Start-up: exec to its "Tracing" line (ms).
// Per call: a malloc(64)+free loop timed by itself (bench/c/malloc-loop.c, fastest of 5
// rounds of N pairs) with nothing attached, with `tsnap memleak -p` (a uprobe at malloc's
// entry, a uretprobe at its return, a uprobe at free: three traps per pair), and with
// `-s 100` (the traps remain; only the map updates are sampled). Modes alternate, each
// `--reps` times; prints min and median.
//   node dist/bench/memleak-cost.js [--reps N] [--pairs N]   (root; run under the CPU lock)
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { renderTable } from "../src/report/table.js";
import { TSNAP_BIN } from "../src/testkit/cli.js";
import { compileWorkload } from "../src/testkit/workloads.js";

const { values } = parseArgs({ options: { reps: { type: "string" }, pairs: { type: "string" } } });
const reps = Number(values.reps ?? 5);
const pairs = Number(values.pairs ?? 20000);

/** Output of `child` until `marker` shows (rejects if it exits first). */
function until(child: ReturnType<typeof spawn>, marker: RegExp): Promise<string> {
  return new Promise((res, rej) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (marker.test(out)) res(out);
    });
    child.once("exit", (code) => rej(new Error(`exited (${code}) before ${marker}: ${out}`)));
  });
}

/** One run: the loop's ns per pair, and the tracer's start-up ms (exec to "Tracing"). */
async function run(bin: string, tracer: string[] | null): Promise<{ ns: number; startMs: number }> {
  const loop = spawn(bin, [String(pairs), "5"], { stdio: ["pipe", "pipe", "inherit"] });
  const ready = await until(loop, /ready \d+\n/);
  const pid = /ready (\d+)/.exec(ready)![1];
  let startMs = 0;
  let t: ReturnType<typeof spawn> | null = null;
  if (tracer) {
    const t0 = performance.now();
    t = spawn(process.execPath, [TSNAP_BIN, "memleak", "-p", pid, ...tracer, "600"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await until(t, /Ctrl-C to end/);
    startMs = performance.now() - t0;
  }
  try {
    const done = until(loop, /ns_per_pair [\d.]+/);
    loop.stdin!.end("go\n");
    const ns = Number(/ns_per_pair ([\d.]+)/.exec(await done)![1]);
    return { ns, startMs };
  } finally {
    if (t) {
      t.kill("SIGINT");
      await new Promise((r) => t!.once("exit", r));
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("needs root");
  const bin = compileWorkload("malloc-loop", "bench/c");
  const modes: [string, string[] | null][] = [
    ["nothing attached", null],
    ["tsnap memleak -p", []],
    ["tsnap memleak -p -s 100", ["-s", "100"]],
  ];
  const res = new Map<string, { ns: number; startMs: number }[]>(modes.map(([m]) => [m, []]));
  for (let i = 0; i < reps; i++) for (const [m, args] of modes) res.get(m)!.push(await run(bin, args));
  const base = median(res.get("nothing attached")!.map((r) => r.ns));
  const rows = modes.map(([m, args]) => {
    const ns = res.get(m)!.map((r) => r.ns);
    const st = res.get(m)!.map((r) => r.startMs);
    return [
      m,
      Math.min(...ns).toFixed(0),
      median(ns).toFixed(0),
      (median(ns) - base).toFixed(0),
      args ? `${Math.min(...st).toFixed(0)} / ${median(st).toFixed(0)}` : "-",
    ];
  });
  process.stdout.write(
    renderTable(
      ["mode", "ns per malloc+free min", "median", "added ns (median)", "start-up ms min / median"],
      rows,
    ),
  );
  process.stdout.write(`(reps ${reps}, ${pairs} pairs per round, fastest of 5 rounds per run)\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : err}\n`);
  process.exitCode = 1;
});
