// The layout oomkill.bpf.c shares with user space: the ring-buffer record of one OOM kill.
// Offsets by C's rules (records.ts:layout); the C struct must match (sizes checked at load).
import { cString, layout } from "../../sources/bpf/records.js";

export const EVENT = layout("oomkill_event", [
  ["ts", "u64"],
  ["total_vm_kb", "u64"],
  ["anon_rss_kb", "u64"],
  ["file_rss_kb", "u64"],
  ["shmem_rss_kb", "u64"],
  ["pgtables_kb", "u64"],
  ["fpid", "u32"],
  ["tpid", "u32"],
  ["uid", "u32"],
  ["oom_score_adj", "u16"], // an s16: read signed,
  ["pad", { array: "u8", len: 2 }],
  ["fcomm", { array: "char", len: 16 }],
  ["tcomm", { array: "char", len: 16 }],
]);

export const LOST_WORDS = { ring: "OOM kills lost: the ring buffer was full" };

export interface OomKill {
  /** CLOCK_MONOTONIC ns at the kill. */
  ts: bigint;
  /** The trigger: the process whose allocation ran out of memory. */
  fpid: number;
  fcomm: string;
  /** The victim. */
  tpid: number;
  tcomm: string;
  uid: number;
  totalVmKb: number;
  anonRssKb: number;
  fileRssKb: number;
  shmemRssKb: number;
  pgtablesKb: number;
  oomScoreAdj: number;
}

/** One ring-buffer record. Pure. */
export function decodeEvent(buf: Buffer, off: number): OomKill {
  const o = EVENT.off;
  const kb = (at: number) => Number(buf.readBigUInt64LE(off + at));
  return {
    ts: buf.readBigUInt64LE(off + o.ts),
    fpid: buf.readUInt32LE(off + o.fpid),
    fcomm: cString(buf, off + o.fcomm, 16),
    tpid: buf.readUInt32LE(off + o.tpid),
    tcomm: cString(buf, off + o.tcomm, 16),
    uid: buf.readUInt32LE(off + o.uid),
    totalVmKb: kb(o.total_vm_kb),
    anonRssKb: kb(o.anon_rss_kb),
    fileRssKb: kb(o.file_rss_kb),
    shmemRssKb: kb(o.shmem_rss_kb),
    pgtablesKb: kb(o.pgtables_kb),
    oomScoreAdj: buf.readInt16LE(off + o.oom_score_adj),
  };
}
