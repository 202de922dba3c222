// Benchmark of `tsnap ui --live`'s own CPU (issue 12's target: live mode ≤ 3% of one CPU
// beyond the sampler itself). Runs, alternated: the sampler alone (`tsnap capture` at the
// same rate into /dev/shm, CSV, the loop ui --live runs) and `tsnap ui --live` in a real
// terminal (tmux, 160x45: it samples, reads the view's data and redraws each second).
// Each process's user + system time (/proc/PID/stat, all its threads) is read over
// SECONDS after WARM seconds of start-up.
// Run: flock /tmp/tsnap-cpu.lock node dist/bench/ui-live-cost.js [SECONDS] [REPS] [HZ]
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { parseStat } from "../src/sources/proc/parse.js";
import { TSNAP_BIN } from "../src/testkit/cli.js";
import { startTmux } from "../src/testkit/tmux.js";

const SECONDS = Number(process.argv[2] ?? 30);
const REPS = Number(process.argv[3] ?? 3);
const HZ = process.argv[4] ?? "5";
const WARM = 5;
const TICK = 100; // USER_HZ: /proc/PID/stat counts in 1/100 s

/** CPU seconds of `pid` so far: its threads' user + system time (live and exited ones). */
function cpuOf(pid: number): number {
  const st = parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  if (!st) throw new Error(`/proc/${pid}/stat: not a stat line`);
  return (st.utime + st.stime) / TICK;
}

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

/** CPU seconds over the measured window of a process started by `start`, stopped by `stop`. */
async function measure(pid: number, stop: () => void): Promise<number> {
  await sleep(WARM);
  const c0 = cpuOf(pid);
  await sleep(SECONDS);
  const c = cpuOf(pid) - c0;
  stop();
  return c;
}

async function sampler(): Promise<number> {
  const dir = mkdtempSync("/dev/shm/tsnap-bench-");
  const child: ChildProcess = spawn(
    process.execPath,
    [TSNAP_BIN, "capture", "-o", `${dir}/cap`, "--hz", HZ, "--format", "csv"],
    { stdio: "ignore" },
  );
  const done = new Promise((r) => child.on("exit", r));
  try {
    return await measure(child.pid!, () => child.kill("SIGTERM"));
  } finally {
    await done;
    rmSync(dir, { recursive: true, force: true });
  }
}

async function ui(): Promise<number> {
  const pane = startTmux(`exec "${process.execPath}" "${TSNAP_BIN}" ui --live --hz ${HZ}`, {
    width: 160,
    height: 45,
  });
  try {
    await pane.waitFor((t) => /RUN|SLEEP|DISK/.test(t), 30_000, "the first live screen");
    const pid = Number(pane.variable("pane_pid"));
    return await measure(pid, () => pane.send(["q"]));
  } finally {
    await sleep(1);
    pane.kill();
  }
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `min ${pct(s[0])}, median ${pct(s[Math.floor(s.length / 2)])}`;
};
const pct = (cpuS: number) => `${((cpuS / SECONDS) * 100).toFixed(2)}%`;

const runs = { sampler: [] as number[], ui: [] as number[], beyond: [] as number[] };
for (let i = 0; i < REPS; i++) {
  const s = await sampler();
  const u = await ui();
  runs.sampler.push(s);
  runs.ui.push(u);
  runs.beyond.push(u - s);
  console.log(`run ${i + 1}: sampler ${pct(s)}, ui --live ${pct(u)} of one CPU`);
}
console.log(
  `${SECONDS} s at --hz ${HZ} after ${WARM} s of start-up, ${REPS} alternated runs (% of one CPU):`,
);
console.log(`  sampler alone (tsnap capture): ${stats(runs.sampler)}`);
console.log(`  tsnap ui --live:               ${stats(runs.ui)}`);
console.log(`  ui beyond the sampler:         ${stats(runs.beyond)} (target ≤ 3%)`);
