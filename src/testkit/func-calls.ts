// The generic tracers' test workloads (test/workloads/func-calls.c: functions called a
// known number of times with known durations, getppid syscalls; usdt-args.c: USDT probes
// with known arguments) driven round by round,
// and bpftrace as the reference tracer on the same run (its map output parsed).
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readlinkSync } from "node:fs";
import { cpus } from "node:os";
import { childTracer, type Tracer } from "./bcc-tools.js";
import { compileWorkload, type RunningWorkload, startWorkload } from "./workloads.js";

/** What one round does (the workload's truth): calls per function, getppid syscalls. */
export const ROUND = { short: 60, long: 12, count: 5000, syscalls: 3000 };
/** Spin time of each call (func-calls.c), µs. */
export const SPIN_US = { short: 40, long: 300 };

export interface FuncCalls {
  bin: string;
  pid: number;
  /** Runs one round (SIGUSR1) and waits for its "done". */
  round(): Promise<void>;
  stop(): Promise<void>;
}

/** The workload built with frame pointers (user stacks), started and waiting for rounds. */
export function startFuncCalls(): Promise<FuncCalls> {
  return startRounds(
    "func-calls",
    [ROUND.short, ROUND.long, ROUND.count, ROUND.syscalls],
    ["-fno-omit-frame-pointer"],
  );
}

/**
 * A workload of test/workloads that prints "ready PID", then runs one round per SIGUSR1
 * and prints "done" after it (func-calls, usdt-args), started and waiting for rounds.
 */
export async function startRounds(
  name: string,
  args: readonly number[],
  flags: string[] = [],
): Promise<FuncCalls> {
  const bin = compileWorkload(name, "test/workloads", flags);
  const wl: RunningWorkload = await startWorkload(bin, args.map(String));
  const pid = Number(wl.ready[1]);
  let done = 0;
  let buf = "";
  wl.child.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
      if (buf.startsWith("done")) done++;
      buf = buf.slice(nl + 1);
    }
  });
  return {
    bin,
    pid,
    async round() {
      const want = done + 1;
      process.kill(pid, "SIGUSR1");
      const t0 = Date.now();
      while (done < want) {
        if (Date.now() - t0 > 30_000) throw new Error(`${name} did not finish its round`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop: () => wl.stop(),
  };
}

/** True when bpftrace is installed (setup.sh --tests installs Debian's). */
export const hasBpftrace = (): boolean =>
  spawnSync("bpftrace", ["--version"], { stdio: "ignore" }).status === 0;

/**
 * bpftrace running `program`, started once every probe it announced ("Attaching N probes...")
 * is attached, stopped with SIGINT (maps printed). It never outlives `limitMs` (SIGKILL), so
 * a test that times out cannot hang on it, and `started` fails when it has not attached within
 * 30 s.
 */
export function bpftrace(program: string, limitMs = 90_000): Tracer {
  const child = spawn("bpftrace", ["-B", "none", "-e", program], { stdio: ["ignore", "pipe", "pipe"] });
  setTimeout(() => child.kill("SIGKILL"), limitMs).unref();
  // bpftrace prints "Attaching N probes..." before it attaches and says nothing after, so a
  // fixed wait after that line was a guess (1.5 s was too short once on a loaded clean-clone
  // run: bpftrace's maps came back empty). Debian's bpftrace (0.17) holds one perf event per
  // attached probe plus one output buffer per CPU: wait for that many.
  return childTracer(child, "bpftrace", (out) => bpftraceAttached(out, child.pid), {
    settleMs: 200,
    attachMs: 30_000,
    pollMs: 50,
  });
}

/** True once bpftrace (`pid`) said how many probes it attaches and holds that many perf events (plus its per-CPU buffers). */
function bpftraceAttached(out: string, pid: number | undefined): boolean {
  const m = /Attaching (\d+) probes?/.exec(out);
  if (!m || pid === undefined) return false;
  let perf = 0;
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === "anon_inode:[perf_event]") perf++;
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return false; // exited: childTracer reports it
  }
  return perf >= Number(m[1]) + cpus().length;
}

/** bpftrace's `@name[key]: N` lines → "name[key]" (or "name") → N. */
export function bpftraceCounts(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^@(\w*)(?:\[(.*)\])?: (\d+)$/gm))
    out.set(m[2] === undefined ? m[1] : `${m[1]}[${m[2]}]`, Number(m[3]));
  return out;
}

const SUFFIX: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** The histogram printed after `@name:` as counts per bcc log2 slot ([2, 4) is bcc's slot 1; [0] and [1] slot 0). */
export function bpftraceHist(text: string, name: string): number[] {
  const lines = text.split("\n");
  const at = lines.findIndex((l) => l.trim() === `@${name}:`);
  const counts: number[] = [];
  if (at < 0) return counts;
  for (const l of lines.slice(at + 1)) {
    const m = /^\[(\d+)([KMG]?)(?:, [^)]*\))?\]?\s+(\d+) \|/.exec(l);
    if (!m) break;
    const low = Number(m[1]) * SUFFIX[m[2]];
    const slot = low <= 1 ? 0 : Math.floor(Math.log2(low));
    counts[slot] = (counts[slot] ?? 0) + Number(m[3]);
  }
  return Array.from(counts, (n) => n ?? 0);
}

/** bpftrace's stack-keyed map `@name[stack]: N` (ustack/kstack keys) → frames leaf first (offsets cut) and counts. */
export function bpftraceStacks(text: string, name: string): { frames: string[]; count: number }[] {
  const out: { frames: string[]; count: number }[] = [];
  const re = new RegExp(`^@${name}\\[\\n([\\s\\S]*?)\\n\\]: (\\d+)$`, "gm");
  for (const m of text.matchAll(re)) {
    const frames = m[1]
      .split("\n")
      .map((l) => l.trim().replace(/\+\d+$/, ""))
      .filter((l) => l !== "");
    out.push({ frames, count: Number(m[2]) });
  }
  return out;
}
