// Test and benchmark workloads: small C (and C++) programs under test/workloads/, compiled
// on first use with the system compiler into a cache keyed by the source's content.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file runs from dist/src/testkit/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * Compiles <dir>/<name>.c, or <name>.cpp with the C++ compiler (dir relative to the repo),
 * with -O2 -g -pthread and any extra flags, cached by source (and the folder's headers) and
 * flags; returns the binary.
 */
export function compileWorkload(name: string, dir = "test/workloads", extraFlags: string[] = []): string {
  const cpp = existsSync(join(REPO_ROOT, dir, `${name}.cpp`));
  const src = join(REPO_ROOT, dir, cpp ? `${name}.cpp` : `${name}.c`);
  const hash = createHash("sha256").update(readFileSync(src)).update(extraFlags.join(" "));
  // The folder's headers (#include "x.h") are part of every workload's source.
  for (const h of readdirSync(join(REPO_ROOT, dir))
    .filter((f) => f.endsWith(".h"))
    .sort())
    hash.update(readFileSync(join(REPO_ROOT, dir, h)));
  const key = hash.digest("hex").slice(0, 12);
  const cache = join(tmpdir(), "tsnap-workloads");
  const bin = join(cache, `${name}-${key}`);
  if (!existsSync(bin)) {
    mkdirSync(cache, { recursive: true });
    execFileSync(cpp ? "c++" : "cc", ["-O2", "-g", "-pthread", ...extraFlags, "-o", bin, src], {
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  return bin;
}

export interface RunningWorkload {
  /** The first line the workload printed, split on spaces ("ready", pid, ...). */
  ready: string[];
  child: ChildProcess;
  /** Kills the whole process group and waits for the leader to exit. */
  stop(): Promise<void>;
}

/**
 * Starts a workload in its own process group and waits for its "ready ..." line.
 * Fails after timeoutMs if the line never comes.
 */
export function startWorkload(bin: string, args: string[], timeoutMs = 10_000): Promise<RunningWorkload> {
  const child = spawn(bin, args, { detached: true, stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((res) => child.once("exit", () => res()));
  const stop = async () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
    await exited;
  };
  return new Promise((res, rej) => {
    let buf = "";
    const timer = setTimeout(() => {
      void stop();
      rej(new Error(`${bin} did not print a ready line within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout?.on("data", (chunk: Buffer) => {
      buf += chunk.toString();
      const nl = buf.indexOf("\n");
      if (nl >= 0 && buf.startsWith("ready")) {
        clearTimeout(timer);
        res({ ready: buf.slice(0, nl).split(" "), child, stop });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      rej(new Error(`${bin} exited with ${code} before it was ready`));
    });
  });
}

/**
 * Sends `signal` to a started workload (one that waits for it after "ready") and resolves
 * what it printed after, once it has exited.
 */
export function signalAndWait(w: RunningWorkload, signal: NodeJS.Signals = "SIGUSR1"): Promise<string> {
  let out = "";
  w.child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<string>((res) => w.child.once("exit", () => res(out)));
  process.kill(w.child.pid!, signal);
  return exited;
}

/** Threads on the machine now (every /proc/PID/task entry): benchmarks size their workloads by it. */
export function systemThreads(): number {
  let n = 0;
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      n += readdirSync(`/proc/${p}/task`).length;
    } catch {
      // exited
    }
  }
  return n;
}
