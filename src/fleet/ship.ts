// Ships a capture directory's segments to an object store, in passes (shipOnce):
// 1. segments already cut (the ledger's cut lines) but not confirmed: uploaded from their
//    spool files, the very bytes cut before a stop or a kill, under the same names;
// 2. closed parts (all Parquet): the rest of a part whose windows were shipped while it was
//    open (its closing segment), or else the whole part under its content id (ship-closed.ts);
// 3. open parts (CSV): each complete window of `segmentUs` not shipped yet, one segment
//    (ship-open.ts).
// A segment is cut into the spool, named in the ledger (fsynced), then uploaded; an upload
// counts when the store confirmed the bytes (PUT with Content-MD5, ETag = MD5): ship-pass.ts.
// The spool keeps an open part's windows until its closing segment is confirmed (the closing
// segment is the part minus them), and no window is cut while it holds spoolMaxBytes; while
// the store is down, only the segment in flight waits, retried with exponential back-off
// (ship-retry.ts) until a deadline: the backlog is the capture directory itself (bounded by
// capture's --retain/--max-size). The capture's own files are never deleted here.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { closedParts, openParts } from "./segments.js";
import { shipClosed } from "./ship-closed.js";
import { cutDone, partId } from "./ship-ledger.js";
import { shipWindows } from "./ship-open.js";
import { type ShipOptions, ShipPass, type ShipSummary } from "./ship-pass.js";

export { dirBytes } from "./ship-open.js";
export type { ObjectStore, ShipOptions, ShipSummary } from "./ship-pass.js";

export async function shipOnce(o: ShipOptions): Promise<ShipSummary> {
  const segmentUs = o.segmentUs ?? 3600e6;
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const db = await DuckDBInstance.create(":memory:", {
    threads: "1",
    memory_limit: "256MB",
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
  });
  const conn = await db.connect();
  let pass: ShipPass;
  try {
    pass = new ShipPass(o, conn); // the spool and its ledger
    const { led } = pass;
    // Segments cut before a stop or a kill: upload those very bytes, under their names.
    for (const c of led.cuts) {
      if (o.signal?.aborted) break;
      if (!cutDone(led, c)) await pass.uploadCut(c);
      else if (c.endUs === null && !led.closed.has(partId(c.hour, c.part, c.partKey)))
        await pass.uploadCut(c);
    }
    for (const p of closedParts(o.dir)) {
      if (o.signal?.aborted) break;
      await shipClosed(pass, p);
    }
    if (segmentUs < 3600e6)
      for (const p of openParts(o.dir)) {
        if (o.signal?.aborted) break;
        await shipWindows(pass, p, segmentUs);
      }
  } finally {
    rmSync(join(o.spoolDir, "snapshot"), { recursive: true, force: true });
    conn.closeSync();
    db.closeSync();
  }
  return pass.sum;
}
