// The measuring window the hardirqs and softirqs tests share: a file for O_DIRECT reads
// (each completion raises the disk's interrupt and a block softirq), and one run in which
// libbpf-tools' tracers attach first, ours next, the one compared with the kernel's
// counters last, right before the first read of those counters; READS direct reads by dd;
// the counters read again; then every tracer stopped (ours first). The kernel's counts
// come from irq-counters.ts over the same window and over the references' wider one.
import { execFile } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { type Stopped, stopAll, type Tracer } from "./bcc-tools.js";
import { counterDeltas } from "./irq-counters.js";

const run = promisify(execFile);

/** Writes `file` (12 MiB, fsync'ed: later direct reads go to the disk). */
export async function writeIrqFile(file: string): Promise<void> {
  await run("dd", ["if=/dev/zero", `of=${file}`, "bs=1M", "count=12", "conv=fsync", "status=none"]);
}

export interface IrqWindow<R extends string, M extends string, C extends string> {
  /** The kernel's counts between the two reads around the workload (the counter's window). */
  truth: Map<string, number>;
  /** The kernel's counts over the references' window (attached first, stopped last). */
  wide: Map<string, number>;
  /** Ours: the counter's and the others' output. */
  m: Record<M | C, Stopped>;
  /** The references' output. */
  r: Record<R, Stopped>;
}

/** One window: `reads` 4 KiB O_DIRECT reads of `file` while the tracers run (order above). */
export async function irqWindow<R extends string, M extends string, C extends string>(o: {
  read: () => Map<string, number>;
  file: string;
  reads: number;
  refs: () => Record<R, Tracer>;
  mine: () => Record<M, Tracer>;
  counter: () => Record<C, Tracer>;
}): Promise<IrqWindow<R, M, C>> {
  const wide0 = o.read();
  const refs = o.refs();
  await Promise.all(Object.values<Tracer>(refs).map((t) => t.started));
  const mine = o.mine();
  await Promise.all(Object.values<Tracer>(mine).map((t) => t.started));
  // Each load holds the event loop for the verifier: the compared one loads last.
  const counter = o.counter();
  await Promise.all(Object.values<Tracer>(counter).map((t) => t.started));
  const before = o.read();
  await run("dd", [
    `if=${o.file}`,
    "of=/dev/null",
    "iflag=direct",
    "bs=4k",
    `count=${o.reads}`,
    "status=none",
  ]);
  await sleep(100);
  const truth = counterDeltas(before, o.read());
  const m = { ...(await stopAll(counter)), ...(await stopAll(mine)) } as Record<M | C, Stopped>;
  const r = await stopAll(refs);
  const wide = counterDeltas(wide0, o.read());
  return { truth, wide, m, r };
}
