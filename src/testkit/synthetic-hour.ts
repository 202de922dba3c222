// A synthetic tsnap hour in CSV with the real schema (csv-row.ts writes every line), of
// any size, and the truths a test compares a conversion or a query with: the row count
// and checksums computed here while writing, not read back by the code under test.
import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { type CellValue, csvHeader, csvLine } from "../store/csv-row.js";
import { formatTimestampUs, hourStartUs, partitionName } from "../store/files.js";

export interface SyntheticHour {
  samplesPath: string;
  roundsPath: string;
  rows: number;
  /** sum(tid), sum(epoch µs of timestamp), sum(length(comm)) over every samples row. */
  sumTid: bigint;
  sumTimeUs: bigint;
  sumCommLen: bigint;
}

const STATES = ["RUN", "RUNQ", "DISK", "SLEEP", "IDLE"];
// Names that need quoting in CSV: commas, quotes, a leading space.
const COMMS = ["postgres", "kworker/0:1", "a,b", 'say "hi"', " lead", "java", "nginx: worker"];

/** Write `rounds` rounds of `threads` sample rows each (plus the rounds file) into `dir`. */
export function writeSyntheticHour(
  dir: string,
  hour: string,
  threads: number,
  rounds: number,
): SyntheticHour {
  const samplesPath = join(dir, partitionName("tsnap", "samples", hour, 0, "csv"));
  const roundsPath = join(dir, partitionName("tsnap", "rounds", hour, 0, "csv"));
  const out: SyntheticHour = { samplesPath, roundsPath, rows: 0, sumTid: 0n, sumTimeUs: 0n, sumCommLen: 0n };
  const fd = openSync(samplesPath, "w");
  const rfd = openSync(roundsPath, "w");
  try {
    writeSync(fd, csvHeader("samples"));
    writeSync(rfd, csvHeader("rounds"));
    const start = hourStartUs(hour);
    for (let r = 0; r < rounds; r++) {
      const us = start + Math.floor((r * 3600e6) / rounds);
      const ts = formatTimestampUs(us);
      const lines: string[] = [];
      for (let t = 0; t < threads; t++) {
        const tid = 1000 + t;
        const comm = COMMS[(t + r) % COMMS.length];
        const rec: Record<string, CellValue> = {
          timestamp: ts,
          weight_us: 1_000_000,
          tid,
          tgid: 1000 + (t - (t % 10)),
          state: STATES[(t * 7 + r) % STATES.length],
          cpu: t % 2,
          username: "root",
          exe: "/usr/bin/app",
          comm,
          syscall: t % 3 === 0 ? "read" : "futex",
          syscall_active: t % 3 === 0 ? "read" : "-",
          sysc_seq_num: r * threads + t,
        };
        lines.push(csvLine("samples", rec));
        out.rows++;
        out.sumTid += BigInt(tid);
        out.sumTimeUs += BigInt(us);
        out.sumCommLen += BigInt(comm.length);
      }
      writeSync(fd, lines.join(""));
      writeSync(rfd, csvLine("rounds", { timestamp: ts, weight_us: 1_000_000 }));
    }
  } finally {
    closeSync(fd);
    closeSync(rfd);
  }
  return out;
}
