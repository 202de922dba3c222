// The tsnap parts of a capture directory: files grouped by (hour, part), oldest first.
// Shared by the writer (recovery, choosing the next part) and retention.
import { readdirSync } from "node:fs";
import { type PartitionFile, parsePartitionName } from "./files.js";

export interface PartGroup {
  hour: string;
  part: number;
  files: PartitionFile[];
}

export function listParts(dir: string): PartGroup[] {
  const groups = new Map<string, PartGroup>();
  for (const name of readdirSync(dir)) {
    const f = parsePartitionName(name);
    if (f?.producer !== "tsnap") continue;
    const key = `${f.hour}#${String(f.part).padStart(6, "0")}`;
    const g = groups.get(key) ?? { hour: f.hour, part: f.part, files: [] };
    g.files.push(f);
    groups.set(key, g);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
}
