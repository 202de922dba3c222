// bcc/libbpf-tools log2 histogram text (print_log2_hist): slot i covers
// [2^i, 2^(i+1)-1] (slot 0 is "0 -> 1"), printed from slot 0 to the last non-zero slot,
// stars = count * width / max. Pure: counts in, text out. The slot of a value is computed
// in one place per side: kernel/lib/hist.bpf.h (BPF) and model/latency-buckets.ts (TS).

export function renderLog2Hist(counts: readonly number[], unit: string): string {
  let last = -1;
  for (let i = 0; i < counts.length; i++) if (counts[i] > 0) last = i;
  const slots = last + 1;
  const wide = slots > 32;
  const indent = wide ? 15 : 5;
  const labelWidth = wide ? 29 : 19;
  const width = wide ? 20 : 10;
  const starsMax = wide ? 20 : 40;
  const max = Math.max(0, ...counts.slice(0, slots));
  const out = [`${" ".repeat(indent)}${unit.padEnd(labelWidth)} : count    distribution`];
  for (let i = 0; i < slots; i++) {
    let low = 2 ** (i + 1) / 2;
    const high = 2 ** (i + 1) - 1;
    if (low === high) low -= 1;
    const n = counts[i] ?? 0;
    const stars = max > 0 ? Math.floor((n * starsMax) / max) : 0;
    const bar = "*".repeat(stars).padEnd(starsMax);
    out.push(
      `${String(low).padStart(width)} -> ${String(high).padEnd(width)} : ${String(n).padEnd(8)} |${bar}|`,
    );
  }
  return `${out.join("\n")}\n`;
}
