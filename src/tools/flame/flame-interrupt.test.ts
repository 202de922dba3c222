// Ctrl-C on `tsnap profile -f | tsnap flame -o FILE`: the terminal sends SIGINT to the
// whole pipeline's process group; profile must print what it collected and flame must draw
// it (flame reads to end of input, so the signal only ends the profile). The truth is the
// kernel's own accounting of the spinning thread's CPU time (/proc/PID/task/*/schedstat):
// at 49 Hz the graph's samples are its CPU seconds × 49, less the start-up before attach.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { TSNAP_BIN } from "../../testkit/cli.js";
import { frameNamed, svgFrames } from "../../testkit/svg-frames.js";
import { compileWorkload, startWorkload } from "../../testkit/workloads.js";

const root = process.getuid?.() === 0;

/** CPU seconds of every thread of a process, from the kernel's schedstat. */
function cpuSeconds(pid: string): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`))
    ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
  return ns / 1e9;
}

test("SIGINT to `profile -f | flame -o FILE` writes the samples taken so far", {
  skip: !root && "needs root (perf events and BPF)",
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "tsnap-flame-int-"));
  const svgPath = join(dir, "cpu.svg");
  const w = await startWorkload(compileWorkload("spin"), ["1", "60"]);
  try {
    const node = JSON.stringify(process.execPath);
    const bin = JSON.stringify(TSNAP_BIN);
    const cpu0 = cpuSeconds(String(w.child.pid));
    // Its own process group, as a shell job: the group is what a terminal's Ctrl-C signals.
    const sh = spawn(
      "bash",
      [
        "-c",
        `${node} ${bin} profile -F 49 -p ${w.child.pid} -f | ${node} ${bin} flame -o ${JSON.stringify(svgPath)}; echo "rc=\${PIPESTATUS[*]}"`,
      ],
      { detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    sh.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    sh.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    const exited = new Promise<number | null>((res) => sh.once("exit", (code) => res(code)));
    await sleep(5000);
    const cpu = cpuSeconds(String(w.child.pid)) - cpu0;
    process.kill(-(sh.pid as number), "SIGINT");
    const code = await Promise.race([exited, sleep(20_000).then(() => "timeout" as const)]);
    assert.notEqual(code, "timeout", `pipeline still running 20 s after SIGINT\n${err}`);
    assert.match(out, /rc=0 0/, `profile and flame both exit 0\n${out}${err}`);
    const frames = svgFrames(readFileSync(svgPath, "utf8"));
    const all = frameNamed(frames, "all");
    const samples = Number(all.info.match(/^([\d,]+) samples/)?.[1].replaceAll(",", ""));
    // Up to 2.5 s of the window go to loading and attaching before the first sample.
    const most = cpu * 49 * 1.15 + 2;
    const least = Math.max(1, (cpu - 2.5) * 49 * 0.8);
    t.diagnostic(`${samples} samples in the SVG; the spinner ran ${cpu.toFixed(2)} CPU s`);
    assert.ok(
      samples >= least && samples <= most,
      `${samples} samples for ${cpu.toFixed(2)} CPU s at 49 Hz (want ${least.toFixed(0)}..${most.toFixed(0)})`,
    );
    assert.ok(
      frames.some((f) => f.name.startsWith("spin")),
      "the spinner's comm is drawn",
    );
  } finally {
    await w.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
