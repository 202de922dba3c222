// What wakeuptime and offwaketime share: wakeuptime.bpf.c's layouts, its config, and one
// run of it (tp_btf pair where it probes ok, else raw_tp; for a duration or until Ctrl-C;
// processes' maps read at first sight, as target or as waker) read once at the end into
// rows of symbolized stacks (stack-tool.ts's StackResolver) in µs.

import { mapEntries } from "../../bpf/maps.js";
import type { Link } from "../../bpf/object.js";
import { hookPair, pairPrograms } from "../../bpf/probes.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import type { StackSide } from "../../report/stack-report.js";
import { cString, layout } from "../../sources/bpf/records.js";
import { BLOCK_FILTER_FIELDS, type BlockFilter, writeBlockFilter } from "../block-flags.js";
import { runFor, StackResolver } from "../stack-tool.js";

/** The layouts of wakeuptime.bpf.c (its _Static_asserts check the sizes). */
export const WAKE_CONFIG = layout("wake_config", [
  ...BLOCK_FILTER_FIELDS,
  ["offwake", "u32"],
  ["pad", "u32"],
]);
export const WAKE_KEY = layout("wake_key", [
  ["target_tid", "u32"],
  ["target_tgid", "u32"],
  ["waker_tid", "u32"],
  ["waker_tgid", "u32"],
  ["target_kern_stack_id", "s32"],
  ["target_user_stack_id", "s32"],
  ["waker_kern_stack_id", "s32"],
  ["waker_user_stack_id", "s32"],
  ["target", { array: "char", len: 16 }],
  ["waker", { array: "char", len: 16 }],
]);

/** The blocked (target) threads and the stacks taken (offwaketime's --state; wakeuptime: null). */
export interface WakeOptions extends BlockFilter {
  stackStorageSize: number;
  durationS: number;
}

/** One thread of a row: its comm, thread id, process and stacks (leaf first). */
export interface WakeThread {
  comm: string;
  tid: number;
  tgid: number;
  user: StackSide;
  kernel: StackSide;
}

export interface WakeRow {
  /** The blocked thread (wakeuptime: its stacks are not taken, kind "none"). */
  target: WakeThread;
  /** The thread that woke it (current at sched_waking); null when none did (it was preempted). */
  waker: WakeThread | null;
  /** Microseconds blocked. */
  value: number;
}

/** The config bytes: `offwake` picks offwaketime's accounting (to the return to a CPU). */
export function wakeConfig(o: WakeOptions, offwake: boolean): Buffer {
  const c = WAKE_CONFIG;
  const b = writeBlockFilter(Buffer.alloc(c.size), o);
  b.writeUInt32LE(offwake ? 1 : 0, c.off.offwake);
  return b;
}

/** Runs wakeuptime.bpf.c for `o.durationS` (or until the signal) and reads its totals as rows. */
export async function wakeStacks(
  tool: "wakeuptime" | "offwaketime",
  o: WakeOptions,
  signal: AbortSignal,
): Promise<{ rows: WakeRow[]; lost: number }> {
  const programs = pairPrograms(hookPair(tool, "tp_btf_sched"), ["wake_switch", "wake_waking"]);
  const links: Link[] = [];
  const col = loadToolObject({
    name: "wakeuptime",
    programs,
    config: wakeConfig(o, tool === "offwaketime"),
    maxEntries: { stackmap: o.stackStorageSize, totals: o.stackStorageSize },
    attach: (c) => {
      for (const p of programs) links.push(c.attach(p));
    },
  });
  try {
    const fd = col.mapFd("totals");
    const stacks = new StackResolver(col.mapFd("stackmap"));
    if (o.pid !== null) stacks.users.see(o.pid);
    const K = WAKE_KEY.off;
    // Each process's maps at first sight (a waker or target that exits still resolves).
    const learn = () => {
      for (const [k] of mapEntries(fd, WAKE_KEY.size, 8)) {
        stacks.users.see(k.readUInt32LE(K.target_tgid));
        if (k.readUInt32LE(K.waker_tgid) !== 0) stacks.users.see(k.readUInt32LE(K.waker_tgid));
      }
    };
    await runFor(o.durationS, signal, learn);
    for (const l of links) l.close();
    learn();
    return readWakeRows(fd, stacks, o, tool === "offwaketime");
  } finally {
    col.close();
  }
}

/** An interrupt or exception entry (x86's asm_sysvec_*, asm_common_interrupt, asm_exc_*). */
const IRQ_ENTRY = /^asm_(sysvec_|common_interrupt|exc_)/;

/**
 * A wake-up from an interrupt (a timer's hrtimer_wakeup, a device's completion) ran on
 * whatever thread the interrupt found: its stacks below the entry are that thread's, not a
 * waker's. They are cut at the entry (the user stack dropped), so that a timer's wake-ups
 * are one stack whatever they interrupted; the comm stays the interrupted thread's, as bcc's.
 */
export function inInterrupt(t: WakeThread): WakeThread {
  if (t.kernel.kind !== "frames") return t;
  const at = t.kernel.frames.findIndex((f) => IRQ_ENTRY.test(f));
  if (at < 0) return t;
  return {
    ...t,
    kernel: { kind: "frames", frames: t.kernel.frames.slice(0, at + 1) },
    user: { kind: "none" },
  };
}

function readWakeRows(
  fd: number,
  stacks: StackResolver,
  o: WakeOptions,
  targetStacks: boolean,
): { rows: WakeRow[]; lost: number } {
  const K = WAKE_KEY.off;
  const rows: WakeRow[] = [];
  let lost = 0;
  const thread = (k: Buffer, who: "target" | "waker", taken: boolean): WakeThread => {
    const tgid = k.readUInt32LE(K[`${who}_tgid`]);
    const user = stacks.userSide(k.readInt32LE(K[`${who}_user_stack_id`]), tgid, taken && !o.kernelOnly);
    const kernel = stacks.kernelSide(k.readInt32LE(K[`${who}_kern_stack_id`]), taken && !o.userOnly);
    if (user.kind === "missed" || kernel.kind === "missed") lost++;
    return { comm: cString(k, K[who], 16), tid: k.readUInt32LE(K[`${who}_tid`]), tgid, user, kernel };
  };
  for (const [k, v] of mapEntries(fd, WAKE_KEY.size, 8)) {
    rows.push({
      target: thread(k, "target", targetStacks),
      // No waker's comm: none woke it (the idle task, pid 0, can: from an interrupt).
      waker: k[K.waker] === 0 ? null : inInterrupt(thread(k, "waker", true)),
      value: Math.round(Number(v.readBigUInt64LE(0)) / 1000),
    });
  }
  return { rows, lost };
}
