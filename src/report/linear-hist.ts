// bcc/libbpf-tools linear histogram text (print_linear_hist): one row per non-zero slot
// from the first to the last, labelled base + i * step, stars = count * 40 / max. Pure:
// counts in, text out ("" when every count is 0, as libbpf-tools prints nothing then).

export function renderLinearHist(counts: readonly number[], label: string, base = 0, step = 1): string {
  const max = Math.max(0, ...counts);
  if (max === 0) return "";
  const out = [`     ${label.padEnd(13)} : count     distribution`];
  counts.forEach((n, i) => {
    if (!n) return;
    const bar = "*".repeat(Math.floor((n * 40) / max)).padEnd(40);
    out.push(`        ${String(base + i * step).padEnd(10)} : ${String(n).padEnd(8)} |${bar}|`);
  });
  return `${out.join("\n")}\n`;
}
