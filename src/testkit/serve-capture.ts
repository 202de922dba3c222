// For the tests of `tsnap serve`: a real capture of workloads whose threads are known
// (N spinning threads of test/workloads/spin.c, one thread of sleep-loop.c sleeping
// SLEEP_MS per call), and the real server started as a child process on a free port.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTsnap, TSNAP_BIN } from "./cli.js";
import { compileWorkload, startWorkload } from "./workloads.js";

export const SLEEP_MS = 100;

export interface SpinCapture {
  dir: string;
  spinners: number;
  seconds: number;
  /** The source the capture used (bpf where it works, else proc: no histograms then). */
  source: "bpf" | "proc";
  note: string;
  remove(): void;
}

/** Captures `spinners` spinning threads and one 100 ms sleeper for `seconds` at 5 Hz. */
export async function captureSpinners(spinners: number, seconds: number): Promise<SpinCapture> {
  const spin = await startWorkload(compileWorkload("spin"), [String(spinners), String(seconds + 20)]);
  const sleeper = await startWorkload(compileWorkload("sleep-loop"), [
    String(SLEEP_MS),
    String(seconds + 20),
  ]);
  const dir = mkdtempSync(join(tmpdir(), "tsnap-serve-"));
  try {
    const pids = `${spin.child.pid},${sleeper.child.pid}`;
    const common = ["capture", "-o", dir, "-a", "-p", pids, "--hz", "5", "-d", String(seconds)];
    let source: "bpf" | "proc" = "bpf";
    let note = "";
    let cap = await runTsnap([...common, "--source", "bpf"], { timeoutMs: 60_000 + seconds * 1000 });
    if (cap.code !== 0 && /not supported|permission/i.test(cap.stderr)) {
      note = `bpf source unavailable, proc source instead: ${cap.stderr.trim().split("\n").at(-1)}`;
      rmSync(dir, { recursive: true, force: true });
      source = "proc";
      cap = await runTsnap([...common, "--source", "proc"], { timeoutMs: 60_000 + seconds * 1000 });
    }
    if (cap.code !== 0) throw new Error(`capture failed: ${cap.stderr}`);
    return {
      dir,
      spinners,
      seconds,
      source,
      note,
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  } finally {
    await spin.stop();
    await sleeper.stop();
  }
}

export interface ServeProcess {
  /** As printed: `http://127.0.0.1:PORT/` (with `?token=` off loopback). */
  url: string;
  /** `http://HOST:PORT` */
  origin: string;
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<number | null>;
}

/** `tsnap serve ARGS` as a child process; resolves once it printed its URL. */
export function startServe(args: string[], timeoutMs = 30_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [TSNAP_BIN, "serve", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    return exited;
  };
  child.stderr.on("data", (d) => {
    err += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`tsnap serve printed no URL within ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    child.stdout.on("data", (d) => {
      out += d;
      const m = /tsnap serve: (http:\/\/[^\s]+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({ url: m[1], origin: new URL(m[1]).origin, child, stderr: () => err, stop });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`tsnap serve exited with ${code}: ${err}`));
    });
  });
}
