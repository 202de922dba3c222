// Child-process entry of convert-child.ts: reads {dir, files} as JSON on stdin, converts
// that part to Parquet, exits 0; on failure one line on stderr and exit 1. Notices go to
// stdout, one per line, for the parent to pass on.
import { convertPart } from "./convert.js";
import type { PartitionFile } from "./files.js";

// The parent is shutting down cleanly when these arrive; finishing the part is the point.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => {});

let input = "";
for await (const chunk of process.stdin) input += chunk;
try {
  const { dir, files } = JSON.parse(input) as { dir: string; files: PartitionFile[] };
  await convertPart(dir, files, { notice: (line) => process.stdout.write(`${line}\n`) });
} catch (err) {
  process.stderr.write(`${(err as Error).message.split("\n")[0]}\n`);
  process.exitCode = 1;
}
