// The closed, self-contained segments of a capture directory and their ids. A segment is
// one part of an hour (store/parts.ts) whose files are all Parquet: the open hour is CSV
// and a part mid-conversion still has a CSV file, so neither is closed. Its id is the hour,
// the part and a hash of the files' bytes: the same segment always gets the same object
// names (shipping it again overwrites, never duplicates), and a capture directory wiped and
// restarted within an hour (part 0 again, other rows) gets new ones.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { PartitionFile } from "../store/files.js";
import { listParts } from "../store/parts.js";

export interface Segment {
  /** `<YYYY-MM-DD.HH>_<part>_<16 hex>` */
  id: string;
  hour: string;
  part: number;
  files: PartitionFile[];
}

export interface PendingPart {
  hour: string;
  part: number;
  files: PartitionFile[];
}

/** Parts whose every file is Parquet and which have their rounds (coverage), oldest first. */
export function closedParts(dir: string): PendingPart[] {
  return listParts(dir).filter(
    (g) => g.files.every((f) => f.format === "parquet") && g.files.some((f) => f.table === "rounds"),
  );
}

/** Parts still written as CSV (the open hour, or one left by a crash) that have rounds. */
export function openParts(dir: string): PendingPart[] {
  return listParts(dir).filter(
    (g) => g.files.every((f) => f.format === "csv") && g.files.some((f) => f.table === "rounds"),
  );
}

/** The id of a closed part, from its files' contents (reads them once). */
export function segmentOf(dir: string, p: PendingPart): Segment {
  const h = createHash("sha256");
  for (const f of [...p.files].sort((a, b) => (a.table < b.table ? -1 : 1))) {
    h.update(`${f.table}\0`);
    h.update(
      createHash("sha256")
        .update(readFileSync(join(dir, f.name)))
        .digest(),
    );
  }
  return {
    id: `${p.hour}_${p.part}_${h.digest("hex").slice(0, 16)}`,
    hour: p.hour,
    part: p.part,
    files: p.files,
  };
}
