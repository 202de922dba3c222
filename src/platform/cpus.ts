// The online CPUs, from /sys/devices/system/cpu/online ("0-3,6"): a pure parser, its
// inverse, and a reader.
import { readFileSync } from "node:fs";

/** "0-3,6\n" → [0, 1, 2, 3, 6]. */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(",")) {
    if (part === "") continue;
    const [a, b] = part.split("-").map(Number);
    for (let c = a; c <= (b ?? a); c++) out.push(c);
  }
  return out;
}

/** [0, 1, 2, 3, 6] → "0-3,6" (sorted input), as the kernel and lscpu write CPU lists. */
export function formatCpuList(cpus: readonly number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < cpus.length; ) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j] + 1) j++;
    runs.push(j > i ? `${cpus[i]}-${cpus[j]}` : String(cpus[i]));
    i = j + 1;
  }
  return runs.join(",");
}

/** This machine's online CPUs ([0] when the file cannot be read). */
export function onlineCpus(): number[] {
  try {
    const cpus = parseCpuList(readFileSync("/sys/devices/system/cpu/online", "utf8"));
    return cpus.length > 0 ? cpus : [0];
  } catch {
    return [0];
  }
}

/** How many CPU numbers the kernel may use (/sys/devices/system/cpu/possible: the highest + 1). */
export function possibleCpuCount(): number {
  try {
    const cpus = parseCpuList(readFileSync("/sys/devices/system/cpu/possible", "utf8"));
    return cpus.length > 0 ? Math.max(...cpus) + 1 : 1;
  } catch {
    return Math.max(...onlineCpus()) + 1;
  }
}
