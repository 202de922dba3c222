// Benchmark: what the latency histograms add to every syscall and context switch.
// A getppid loop (ns per call, fastest of 7 runs of 2M calls) and a pipe ping-pong between
// two processes (ns per round trip: 2 wakeups + 4 context switches + 4 syscalls), measured
// with no tsnap, with `tsnap top --source bpf` and TSNAP_LATENCY_HISTS=none (the tracking
// hooks as before the histograms), and with the histograms on; the three alternate, each
// `--reps` times; prints min and median.
//   node dist/bench/latency-hists-cost.js [--reps N]      (root; run under the CPU lock)
import { execFileSync, spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { renderTable } from "../src/report/table.js";
import { TSNAP_BIN } from "../src/testkit/cli.js";
import { compileWorkload } from "../src/testkit/workloads.js";

const { values } = parseArgs({ options: { reps: { type: "string" } } });
const reps = Number(values.reps ?? 5);

function getppidNs(bin: string): number {
  const out = execFileSync(bin, ["2000000", "7"], { encoding: "utf8" });
  return Number(/ns_per_call ([\d.]+)/.exec(out)![1]);
}

/** ns per pipe round trip between two processes (python-free: dd through two pipes would not). */
function pingPongNs(): number {
  const script = `
import os, time
r1, w1 = os.pipe(); r2, w2 = os.pipe()
n = 100000
if os.fork() == 0:
    for _ in range(n):
        os.read(r1, 1); os.write(w2, b"x")
    os._exit(0)
best = 1e18
for _ in range(3):
    t = time.perf_counter_ns()
    for _ in range(n // 3):
        os.write(w1, b"x"); os.read(r2, 1)
    best = min(best, (time.perf_counter_ns() - t) / (n // 3))
os.write(w1, b"x" * 10)
print(best)
`;
  return Number(execFileSync("python3", ["-c", script], { encoding: "utf8" }).trim());
}

async function withTop<T>(env: NodeJS.ProcessEnv | null, f: () => T): Promise<T> {
  if (env === null) return f();
  const top = spawn(process.execPath, [TSNAP_BIN, "top", "--source", "bpf", "-d", "120", "--hz", "1"], {
    stdio: "ignore",
    env: { ...process.env, ...env },
  });
  await new Promise((r) => setTimeout(r, 2000)); // attached by then
  try {
    return f();
  } finally {
    top.kill("SIGINT");
    await new Promise((r) => top.once("exit", r));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("needs root (bpf source)");
  const bin = compileWorkload("getppid-loop");
  const modes: [string, NodeJS.ProcessEnv | null][] = [
    ["no tsnap", null],
    ["tracking hooks, histograms off", { TSNAP_LATENCY_HISTS: "none" }],
    ["tracking hooks + histograms", {}],
  ];
  const getppid = new Map<string, number[]>(modes.map(([m]) => [m, []]));
  const pingpong = new Map<string, number[]>(modes.map(([m]) => [m, []]));
  for (let i = 0; i < reps; i++) {
    for (const [name, env] of modes) {
      await withTop(env, () => {
        getppid.get(name)!.push(getppidNs(bin));
        pingpong.get(name)!.push(pingPongNs());
      });
    }
  }
  const rows = modes.map(([m]) => {
    const g = getppid.get(m)!;
    const p = pingpong.get(m)!;
    return [
      m,
      Math.min(...g).toFixed(1),
      median(g).toFixed(1),
      Math.min(...p).toFixed(0),
      median(p).toFixed(0),
    ];
  });
  process.stdout.write(
    renderTable(["mode", "getppid ns min", "getppid ns median", "pipe round trip ns min", "median"], rows),
  );
  const g = (m: string, f: (x: number[]) => number) => f(getppid.get(m)!);
  process.stdout.write(
    `\nhistograms add per syscall: min ${(g(modes[2][0], (x) => Math.min(...x)) - g(modes[1][0], (x) => Math.min(...x))).toFixed(1)} ns, median ${(g(modes[2][0], median) - g(modes[1][0], median)).toFixed(1)} ns (reps ${reps})\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : err}\n`);
  process.exitCode = 1;
});
