// The one printer of latency histograms: bcc/libbpf-tools layout (print_log2_hist), one
// histogram per key with bcc's key line ("syscall = pread64", "disk = vda", "pid = 42 fio"),
// from the fine buckets folded exactly into bcc's log2 slots. Pure: histograms in, text out.
import { type BucketCounts, foldToLog2, latencyStats } from "../model/latency-buckets.js";
import { renderLog2Hist } from "./log2-hist.js";

export interface PrintableHist {
  /** bcc's key label: syscall, disk, pid */
  label: string;
  key: string;
  comm?: string | null;
  counts: BucketCounts;
}

export function renderLatencyHists(hists: readonly PrintableHist[], unit = "usecs"): string {
  const out: string[] = [];
  for (const h of hists) {
    const st = latencyStats(h.counts);
    const p = (v: number | null) => (v === null ? "-" : v < 10 ? v.toFixed(1) : Math.round(v).toString());
    out.push(
      `\n${h.label} = ${h.key}${h.comm ? ` ${h.comm}` : ""}  (${st.n} completions, p50 ${p(st.p50_us)} p95 ${p(st.p95_us)} p99 ${p(st.p99_us)} µs)\n`,
    );
    out.push(renderLog2Hist(foldToLog2(h.counts), unit));
  }
  return out.join("");
}
