// What oomkill prints, in libbpf-tools' layout (oomkill.c): one line per kill, "HH:MM:SS
// Triggered by PID n ("comm"), OOM kill of PID n ("comm"), N pages, loadavg: ...", or one
// NDJSON object. Pure.
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import type { OomKill } from "./oomkill-records.js";

const PAGE_KB = 4;

/** The victim's resident pages (anon + file + shmem) at the kill. */
export function rssPages(e: OomKill): number {
  return Math.round((e.anonRssKb + e.fileRssKb + e.shmemRssKb) / PAGE_KB);
}

/** `at`: the wall time of the kill; `loadavg`: /proc/loadavg's line, or undefined. */
export function line(e: OomKill, at: Date, loadavg: string | undefined): string {
  const head = `${hhmmss(at)} Triggered by PID ${e.fpid} ("${e.fcomm}"), OOM kill of PID ${e.tpid} ("${e.tcomm}"), ${rssPages(e)} pages`;
  return loadavg === undefined ? `${head}\n` : `${head}, loadavg: ${loadavg}\n`;
}

/** One kill as an NDJSON line; `time` is the wall clock of the kill. */
export function jsonLine(e: OomKill, time: Date): string {
  return `${toJson({
    time: time.toISOString(),
    trigger_pid: e.fpid,
    trigger_comm: e.fcomm,
    victim_pid: e.tpid,
    victim_comm: e.tcomm,
    victim_uid: e.uid,
    rss_pages: rssPages(e),
    total_vm_kb: e.totalVmKb,
    anon_rss_kb: e.anonRssKb,
    file_rss_kb: e.fileRssKb,
    shmem_rss_kb: e.shmemRssKb,
    pgtables_kb: e.pgtablesKb,
    oom_score_adj: e.oomScoreAdj,
  })}\n`;
}
