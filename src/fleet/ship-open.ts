// ship's windows of an open hour: each complete window of `segmentUs` of a part still
// written as CSV, cut from a snapshot of its files as soon as the capture wrote a round at
// or after the window's end (one segment for all windows due), unless the spool is full.
// After a first window in this process, a snapshot copies only what the capture wrote since
// (csv-snapshot.ts marks, kept here per part until its closing segment is confirmed).
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { TableName } from "../store/schema.js";
import { nextMarks, roundsSpanOfCsv, type SnapMark, type Snapshot, snapshotCsv } from "./csv-snapshot.js";
import { lastRoundUs, partKeyOf } from "./segment-cut.js";
import type { PendingPart } from "./segments.js";
import { partId } from "./ship-ledger.js";
import type { ShipPass } from "./ship-pass.js";

/** Per open part (its id), where each table's next window snapshot may start (segment-cut.ts nextMarks). */
const windowMarks = new Map<string, Map<TableName, SnapMark>>();
/** Parts whose "spool full" line was said (once each). */
const spoolFullNoted = new Set<string>();

/** The part's closing segment is confirmed: its marks are of no more use. */
export function dropWindowMarks(pid: string): void {
  windowMarks.delete(pid);
}

/** Bytes under a directory (the spool). */
export function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) n += statSync(join(e.parentPath, e.name)).size;
  return n;
}

/** The open part's complete windows not shipped yet: one segment for all of them. */
export async function shipWindows(pass: ShipPass, p: PendingPart, segmentUs: number): Promise<void> {
  const { o, led, sum, conn } = pass;
  // Is a window due? From the rounds file's first and last lines, before copying anything.
  const rounds = p.files.find((f) => f.table === "rounds");
  const span = rounds ? roundsSpanOfCsvOrNull(join(o.dir, rounds.name)) : null;
  if (span) {
    const pid0 = partId(p.hour, p.part, String(span.firstUs));
    const from0 = Math.max(0, ...pass.cutsOf(pid0).map((c) => c.endUs ?? 0));
    const to0 = Math.floor(span.lastUs / segmentUs) * segmentUs;
    if (led.closed.has(pid0) || to0 <= from0 || to0 <= span.firstUs) return;
  }
  // After a first window in this process, copy only what the capture wrote since.
  const marks = span ? windowMarks.get(partId(p.hour, p.part, String(span.firstUs))) : undefined;
  let snap: Snapshot;
  try {
    snap = snapshotCsv(o.dir, p.files, join(o.spoolDir, "snapshot"), marks);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return; // converted meanwhile: next pass
    throw e;
  }
  sum.snapshotBytes += snap.bytes;
  const src = snap.src;
  let partKey: string | null;
  let last: number | null;
  try {
    // A rounds copy from a mark lacks the part's first round: its key is the mark's part's.
    partKey = snap.partial.has("rounds") && span ? String(span.firstUs) : await partKeyOf(conn, src);
    last = await lastRoundUs(conn, src);
  } catch (e) {
    // A line that does not parse: the part ships whole once its hour closed (converted).
    o.notice(
      `tsnap ship: ${p.hour} part ${p.part}: ${(e as Error).message.split("\n")[0]}: it ships when its hour closes`,
    );
    return;
  }
  if (partKey === null || last === null) return;
  const pid = partId(p.hour, p.part, partKey);
  if (led.closed.has(pid)) return;
  const cuts = pass.cutsOf(pid);
  const fromUs = Math.max(0, ...cuts.map((c) => c.endUs ?? 0));
  const toUs = Math.floor(last / segmentUs) * segmentUs;
  // A round at or after the window's end is on disk, so the window is complete.
  if (toUs <= fromUs || toUs <= Number(partKey)) return;
  const spoolMax = o.spoolMaxBytes ?? Number.POSITIVE_INFINITY;
  if (dirBytes(o.spoolDir) >= spoolMax) {
    if (!spoolFullNoted.has(pid)) {
      spoolFullNoted.add(pid);
      o.notice(
        `tsnap ship: the spool holds ${o.spoolMaxBytes} bytes or more (--spool-max): the rest of ${p.hour} part ${p.part} ships when its hour closes`,
      );
    }
    return;
  }
  const c = await pass.cut(p, partKey, src, { fromUs, toUs }, snap.partial);
  windowMarks.set(pid, nextMarks(snap, toUs)); // the cut is in the ledger: its rows are taken
  await pass.uploadCut(c);
}

function roundsSpanOfCsvOrNull(path: string) {
  try {
    return roundsSpanOfCsv(path);
  } catch {
    return null; // gone (converted meanwhile): the next pass sees it closed
  }
}
