// Retention of capture files: whole parts (every table of an hour's part together) older
// than --retain are deleted, then the oldest until the directory fits --max-size. The
// hour being written is never deleted.
import { statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { hourStartUs } from "./files.js";
import { listParts } from "./parts.js";

export interface RetentionPolicy {
  /** Keep hours that ended less than this long ago, µs; undefined = forever. */
  retainUs?: number;
  /** Keep the tsnap files under this many bytes in total; undefined = no limit. */
  maxBytes?: number;
}

export interface RetentionResult {
  deletedParts: string[];
  bytesLeft: number;
}

export function applyRetention(
  dir: string,
  policy: RetentionPolicy,
  nowUs: number,
  openHour: string | null,
): RetentionResult {
  const parts = listParts(dir).map((p) => ({
    ...p,
    bytes: p.files.reduce((a, f) => a + sizeOf(join(dir, f.name)), 0),
  }));
  let total = parts.reduce((a, p) => a + p.bytes, 0);
  const deleted: string[] = [];
  for (const p of parts) {
    if (p.hour === openHour) continue;
    const tooOld = policy.retainUs !== undefined && hourStartUs(p.hour) + 3600e6 <= nowUs - policy.retainUs;
    const tooBig = policy.maxBytes !== undefined && total > policy.maxBytes;
    if (!tooOld && !tooBig) continue;
    for (const f of p.files) {
      try {
        unlinkSync(join(dir, f.name));
      } catch {
        // already gone
      }
    }
    total -= p.bytes;
    deleted.push(p.part > 0 ? `${p.hour}_${p.part}` : p.hour);
  }
  return { deletedParts: deleted, bytesLeft: total };
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Parse a size: "5G", "500M", "10k", "123" (bytes; binary units). */
export function parseSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(?:([kKmMgGtT])i?[bB]?|[bB])?$/.exec(text.trim());
  if (!m) return null;
  const mult = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[(m[2] ?? "").toLowerCase() as "k"] ?? 1;
  return Math.floor(Number(m[1]) * mult);
}
