// tsnap check's own CPU over a 10 s check (the target: ≤ 2% of one CPU, 0.2 s), per
// thread source: in-process (main(argv) between two process.cpuUsage() reads: the counter
// snapshots, the thread sample, the kernel log, the report; modules already loaded) and as
// a command (a child `node bin/tsnap.js check`, its user + system time from bash's `times`:
// Node's start-up, module loading and the BPF object load included). Min and median of
// REPS runs, alternating sources.
// Run: flock /tmp/tsnap-cpu.lock node dist/bench/check-overhead.js [SECONDS] [REPS]
import { execFileSync } from "node:child_process";
import { runCli, TSNAP_BIN } from "../src/testkit/cli.js";

const SECONDS = Number(process.argv[2] ?? 10);
const REPS = Number(process.argv[3] ?? 3);
const sources = process.getuid?.() === 0 ? ["bpf", "proc"] : ["proc"];

/** CPU seconds of one in-process check: all of it, and as the report splits it. */
async function inProcess(source: string): Promise<{ total: number; open: number; window: number }> {
  const c0 = process.cpuUsage();
  const r = await runCli(["check", "-d", String(SECONDS), "--json", "--source", source]);
  if (r.code !== 0 && r.code !== 3) throw new Error(r.stderr);
  const c = process.cpuUsage(c0);
  const self = JSON.parse(r.stdout).self as { open_cpu_s: number; window_cpu_s: number };
  return { total: (c.user + c.system) / 1e6, open: self.open_cpu_s, window: self.window_cpu_s };
}

/** CPU seconds of one check run as a command (children's times from bash). */
function asCommand(source: string): number {
  const out = execFileSync(
    "bash",
    [
      "-c",
      `"$0" "$1" check -d ${SECONDS} --json --source ${source} >/dev/null; times`,
      process.execPath,
      TSNAP_BIN,
    ],
    { encoding: "utf8" },
  );
  const line = out.trim().split("\n").at(-1)!; // children: "0m1.234s 0m0.100s"
  const secs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return secs[0] + secs[1];
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)] };
};
const pct = (cpuS: number) => `${((cpuS / SECONDS) * 100).toFixed(2)}%`;

const results: Record<string, { inproc: number[]; open: number[]; window: number[]; cmd: number[] }> = {};
for (const s of sources) results[s] = { inproc: [], open: [], window: [], cmd: [] };
for (let i = 0; i < REPS; i++)
  for (const s of sources) {
    const r = await inProcess(s);
    results[s].inproc.push(r.total);
    results[s].open.push(r.open);
    results[s].window.push(r.window);
    results[s].cmd.push(asCommand(s));
  }
console.log(`tsnap check -d ${SECONDS}: own CPU, ${REPS} runs per source (target ≤ 2% of one CPU)`);
for (const s of sources) {
  const line = (what: string, xs: number[]) => {
    const v = stats(xs);
    console.log(
      `  ${s.padEnd(4)} ${what.padEnd(34)} min ${v.min.toFixed(3)} s (${pct(v.min)}), median ${v.median.toFixed(3)} s (${pct(v.median)})`,
    );
  };
  line("the window (snapshots, sample, log)", results[s].window);
  line("opening the sampler (once)", results[s].open);
  line("in-process, all", results[s].inproc);
  line("as a command (Node start-up too)", results[s].cmd);
}
