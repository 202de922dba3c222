// The online CPUs, from /sys/devices/system/cpu/online ("0-3,6"): a pure parser and a reader.
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
