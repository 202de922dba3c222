// The kernel's own interrupt counters, the truth hardirqs and softirqs are tested against:
// /proc/interrupts (runs per numbered IRQ line, named by its handlers: the last column)
// and /proc/softirqs (runs per vector, per CPU). Pure parsers and their one-line readers.
import { readFileSync } from "node:fs";

/** Runs per handler name, summed over CPUs and over lines of the same name (numbered IRQs only). Pure. */
export function parseInterrupts(text: string): Map<string, number> {
  const lines = text.split("\n");
  const cpus = (lines[0].match(/CPU\d+/g) ?? []).length;
  const out = new Map<string, number>();
  for (const line of lines.slice(1)) {
    const f = line.trim().split(/\s+/);
    if (!/^\d+:$/.test(f[0] ?? "")) continue;
    const runs = f.slice(1, 1 + cpus).reduce((a, b) => a + Number(b), 0);
    const name = f[f.length - 1];
    out.set(name, (out.get(name) ?? 0) + runs);
  }
  return out;
}

/** Runs per vector, lower case as libbpf-tools names them ("net_rx"), summed over CPUs. Pure. */
export function parseSoftirqs(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (!f[0]?.endsWith(":")) continue;
    out.set(
      f[0].slice(0, -1).toLowerCase(),
      f.slice(1).reduce((a, b) => a + Number(b), 0),
    );
  }
  return out;
}

/** b - a per name (names in either), leaving out zeros. Pure. */
export function counterDeltas(a: Map<string, number>, b: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const d = (b.get(k) ?? 0) - (a.get(k) ?? 0);
    if (d !== 0) out.set(k, d);
  }
  return out;
}

export const readInterrupts = () => parseInterrupts(readFileSync("/proc/interrupts", "utf8"));
export const readSoftirqs = () => parseSoftirqs(readFileSync("/proc/softirqs", "utf8"));
