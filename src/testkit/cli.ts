// Runs the tsnap CLI in-process (for output checks) or as a child process (for exit codes,
// stderr, and signals), capturing what it prints.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { main } from "../cli/main.js";
import { REPO_ROOT } from "./workloads.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** In-process: main(argv) with captured output. */
export async function runCli(
  argv: string[],
  signal: AbortSignal = new AbortController().signal,
): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
    signal,
    isTTY: false,
    columns: 0,
  });
  return { code, stdout, stderr };
}

export const TSNAP_BIN = join(REPO_ROOT, "bin", "tsnap.js");

/** As a child process of `node bin/tsnap.js`, with an optional timeout (SIGKILL). */
export function runTsnap(
  argv: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; onSpawn?: (pid: number) => void } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSNAP_BIN, ...argv], {
      env: opts.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code, sig) => {
      clearTimeout(timer);
      resolve({ code: code ?? (sig ? 128 : 1), stdout, stderr });
    });
  });
}
