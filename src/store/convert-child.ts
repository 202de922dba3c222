// Runs a part's Parquet conversion (convert.ts) in a short-lived child process, so the
// long-running capture process never loads DuckDB: its peak RSS stays that of sampling
// (bench/overhead.js --convert measures both ways). The child ignores SIGINT/SIGTERM
// (Ctrl-C reaches the whole process group) and finishes the part; the parent waits.
// Its notices (e.g. a damaged CSV kept aside) come back one per line on its stdout.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { PartitionFile } from "./files.js";

const WORKER = fileURLToPath(new URL("./convert-worker.js", import.meta.url));

export function convertPartInChild(
  dir: string,
  files: PartitionFile[],
  notice?: (line: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    child.stdout!.on("data", (d: Buffer) => {
      stdout += d;
      const lines = stdout.split("\n");
      stdout = lines.pop() ?? "";
      for (const l of lines) if (l) notice?.(l);
    });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d;
    });
    child.once("error", reject);
    child.once("close", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(stderr.trim() || `converter exited with ${signal ?? code}`));
    });
    child.stdin!.end(JSON.stringify({ dir, files }));
  });
}
