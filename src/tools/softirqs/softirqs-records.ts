// The layout softirqs.bpf.c shares with user space: its read-only config (the `hists` map's
// key is the vector number, a u32; its value is hist-tool.ts's LOG_HIST), and the vectors'
// names. Offsets by C's rules (records.ts:layout); sizes checked at load.
import { layout } from "../../sources/bpf/records.js";

export const CONFIG = layout("softirqs_config", [
  ["cpu", "s32"],
  ["ns", "u8"],
  ["pad", { array: "u8", len: 3 }],
]);

export const LOST_WORDS = { hist: "softirqs not counted: the map of vectors was full" };

/**
 * The kernel's softirq vectors in number order (enum in include/linux/interrupt.h, the
 * rows of /proc/softirqs), named in lower case as libbpf-tools prints them.
 */
export const VECTOR_NAMES = [
  "hi",
  "timer",
  "net_tx",
  "net_rx",
  "block",
  "irq_poll",
  "tasklet",
  "sched",
  "hrtimer",
  "rcu",
] as const;

/** A vector's name ("vec 12" for one this list does not know). Pure. */
export const vectorName = (vec: number): string => VECTOR_NAMES[vec] ?? `vec ${vec}`;

export interface SoftirqsConfig {
  /** Only this CPU; -1: every CPU. */
  cpu: number;
  ns: boolean;
}

/** The bytes of `const volatile struct softirqs_config cfg`. Pure. */
export function configBytes(c: SoftirqsConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeInt32LE(c.cpu, CONFIG.off.cpu);
  b.writeUInt8(c.ns ? 1 : 0, CONFIG.off.ns);
  return b;
}
