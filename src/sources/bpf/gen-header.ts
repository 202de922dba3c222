// Writes src/bpf/kernel/sampler-records.h from records.ts (run after changing a layout):
//   npx tsc -p tsconfig.json && node dist/src/sources/bpf/gen-header.js
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cHeader } from "./records.js";

/** Path of the generated header, from the compiled module's location (dist/src/sources/bpf/). */
export const HEADER_PATH = fileURLToPath(
  new URL("../../../../src/bpf/kernel/sampler-records.h", import.meta.url),
);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(HEADER_PATH, cHeader());
  process.stdout.write(`wrote ${HEADER_PATH}\n`);
}
