// `tsnap memleak`: allocations not freed, by the stack that made them, like bcc and
// libbpf-tools memleak (their flags, their report). memleak.bpf.c follows libc's
// allocators in one process (uprobes), or the kernel's (kmem tracepoints) without -p;
// memleak-load.ts loads and reads it; memleak-report.ts groups and prints.
import { requireBpfPrivilege } from "../../bpf/privilege.js";
import {
  decimalFlag,
  flagHelp,
  optionalDecimalFlag,
  parseFlags,
  switchFlag,
  textFlag,
} from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { jsonFlag, parseIntervalCount, pidFlag } from "../../command/flags.js";
import { UsageError } from "../../errors.js";
import { waitOrAbort } from "../../platform/abortable-sleep.js";
import { toJson } from "../../report/table.js";
import { snoopClock } from "../snoop-tool.js";
import { tool } from "./memleak.tool.js";
import { spawnHeld } from "./memleak-command.js";
import type { MemleakSource } from "./memleak-load.js";
import { decodeEvent } from "./memleak-records.js";
import { frameLines, groupCombined, groupOutstanding, jsonReport, renderReport } from "./memleak-report.js";

const FLAGS = {
  pid: pidFlag,
  trace: switchFlag({ long: "trace", short: "t", help: "print every allocation and free as it happens" }),
  showAllocs: switchFlag({
    long: "show-allocs",
    short: "a",
    help: "list each outstanding allocation's address and size with its stack",
  }),
  older: decimalFlag({
    long: "older",
    short: "o",
    arg: "AGE_MS",
    help: "leave out allocations younger than this, in milliseconds (default 500)",
    min: 0,
    max: 365 * 86400 * 1000,
    integer: true,
    fallback: 500,
  }),
  command: textFlag({
    long: "command",
    short: "c",
    arg: "COMMAND",
    help: "run COMMAND (split at spaces) and trace its allocations; ends when it exits",
  }),
  combinedOnly: switchFlag({
    long: "combined-only",
    short: "C",
    help: "the kernel's sums per stack only (cheaper to read; no -o, no -a)",
  }),
  sampleRate: decimalFlag({
    long: "sample-rate",
    short: "s",
    arg: "N",
    help: "follow about one allocation in N (default 1: all)",
    min: 1,
    max: 1 << 30,
    integer: true,
    fallback: 1,
  }),
  top: decimalFlag({
    long: "top",
    short: "T",
    arg: "N",
    help: "stacks per report, the most bytes first (default 10)",
    min: 1,
    max: 10000,
    integer: true,
    fallback: 10,
  }),
  minSize: optionalDecimalFlag({
    long: "min-size",
    short: "z",
    arg: "BYTES",
    help: "follow only allocations of at least BYTES",
    min: 0,
    integer: true,
  }),
  maxSize: optionalDecimalFlag({
    long: "max-size",
    short: "Z",
    arg: "BYTES",
    help: "follow only allocations of at most BYTES",
    min: 0,
    integer: true,
  }),
  obj: textFlag({
    long: "obj",
    short: "O",
    arg: "OBJ",
    help: "the allocator's object: a library name or path (default c: libc)",
  }),
  percpu: switchFlag({ long: "percpu", short: "P", help: "kernel mode: percpu allocations too" }),
  json: jsonFlag("report (and with -t, one per call)"),
};

const POSITIONALS = [
  { name: "interval", help: "seconds between reports (default 5)" },
  { name: "count", help: "number of reports (default: until Ctrl-C)" },
];

const HELP = `tsnap memleak: outstanding allocations and the stacks that made them (bcc memleak)

USAGE
  tsnap memleak [-p PID | -c COMMAND] [-t] [-a] [-o AGE_MS] [-C] [-s N] [-T N]
                [-z BYTES] [-Z BYTES] [-O OBJ] [-P] [--json] [interval] [count]

Follows every allocation and free and reports, every interval, the allocations not freed
yet (older than -o), summed per stack: "B bytes in N allocations from stack" and the
stack's frames, the most bytes last. With -p or -c: one process's calls of libc's
malloc, calloc, realloc, posix_memalign, aligned_alloc, valloc, memalign, pvalloc, mmap,
free and munmap (uprobes; user stacks by frame pointers, so code built without them
shows short stacks). Without: the kernel's kmalloc, kmem_cache_alloc, page and (-P)
percpu allocations (kmem tracepoints; kernel stacks). Allocations made before tsnap
attached are not known, so their frees are ignored. Ctrl-C prints one last report.
Options are bcc's memleak (libbpf-tools' -C for --combined-only). Needs root.

OPTIONS
${flagHelp(FLAGS, true, POSITIONALS)}
EXAMPLES
  sudo tsnap memleak -p 1234              outstanding allocations of 1234, every 5 s
  sudo tsnap memleak -p 1234 -a 10        with addresses and sizes, every 10 s
  sudo tsnap memleak -p 1234 -o 60000     only allocations older than a minute
  sudo tsnap memleak -c './myprog --arg'  run myprog and follow it from its first malloc
  sudo tsnap memleak -p 1234 -t           every malloc and free as it happens
  sudo tsnap memleak -s 10 -T 5 30 1      kernel allocations, one in 10, top 5, after 30 s
  sudo tsnap memleak -p 1234 --json 5 3 | jq '.stacks[0]'
`;

export interface MemleakOptions {
  pid: number | null;
  command: string[] | null;
  trace: boolean;
  showAllocs: boolean;
  olderMs: number;
  combinedOnly: boolean;
  sampleRate: number;
  top: number;
  minSize: number;
  maxSize: number;
  obj: string | undefined;
  percpu: boolean;
  json: boolean;
  intervalS: number;
  count: number;
}

/** Flags → options; every bad value or combination is a UsageError. Pure. */
export function parseOptions(argv: string[]): MemleakOptions {
  const { values: v, positionals } = parseFlags(argv, FLAGS, 2);
  const { intervalS, count } = parseIntervalCount(positionals);
  const command = v.command === undefined ? null : v.command.split(/\s+/).filter((w) => w !== "");
  if (command !== null && command.length === 0) throw new UsageError("-c needs a command");
  if (command !== null && v.pid !== null) throw new UsageError("-p and -c exclude each other");
  const minSize = v.minSize ?? 0;
  const maxSize = v.maxSize ?? Infinity;
  if (minSize > maxSize) throw new UsageError("min size (-z) can't be greater than max size (-Z)");
  const user = v.pid !== null || command !== null;
  if (!user && v.obj !== undefined)
    throw new UsageError("-O needs -p or -c (kernel mode has no allocator object)");
  if (user && v.percpu) throw new UsageError("-P traces the kernel's percpu allocations: not with -p or -c");
  if (v.combinedOnly && v.showAllocs) throw new UsageError("-a lists allocations: not with --combined-only");
  return {
    pid: v.pid,
    command,
    trace: v.trace,
    showAllocs: v.showAllocs,
    olderMs: v.older,
    combinedOnly: v.combinedOnly,
    sampleRate: v.sampleRate,
    top: v.top,
    minSize,
    maxSize,
    obj: v.obj,
    percpu: v.percpu,
    json: v.json,
    intervalS: intervalS === Infinity ? 5 : intervalS,
    count,
  };
}

/** One report from the maps now. */
export function report(src: MemleakSource, o: MemleakOptions, kernel: boolean, at = new Date()): string {
  const groups = o.combinedOnly
    ? groupCombined(src.combined(), o.top)
    : groupOutstanding(src.outstanding(), {
        nowNs: process.hrtime.bigint(),
        minAgeNs: BigInt(o.olderMs) * 1_000_000n,
        top: o.top,
        showAllocs: o.showAllocs,
      });
  const frames = (id: number) => frameLines(id < 0 ? { kind: "missed" } : src.stack(id), kernel);
  return o.json ? jsonReport(groups, frames, at, {}) : renderReport(groups, frames, at);
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseOptions(argv);
  requireBpfPrivilege("memleak");
  const { findAllocators, loadMemleak } = await import("./memleak-load.js");
  const child = o.command ? spawnHeld(o.command) : null;
  try {
    const tgid = child?.pid ?? o.pid ?? 0;
    const kernel = tgid === 0;
    const src = loadMemleak({
      config: {
        minSize: o.minSize,
        maxSize: o.maxSize,
        pageSize: 4096,
        sampleRate: o.sampleRate,
        tgid,
        kernel,
        traceAll: o.trace,
        waitExec: child !== null,
      },
      targets: kernel ? null : findAllocators(o.obj, tgid),
      percpu: o.percpu,
      maxAllocs: 1 << 20,
      stackStorageSize: 16384,
    });
    try {
      const what = kernel ? "kernel allocations" : `allocations of process ${tgid}`;
      const hello = `Attaching to ${what}... Tracing outstanding memory allocs... Hit Ctrl-C to end.\n`;
      if (o.json) io.err(hello);
      else io.out(hello);
      child?.release();
      await loop(io, o, src, kernel, child?.exited ?? null);
      const lost = src.lost();
      if (lost.allocs > 0)
        io.err(
          `WARNING: ${lost.allocs} allocations not followed: the map of outstanding allocations was full\n`,
        );
      if (lost.trace > 0) io.err(`WARNING: ${lost.trace} -t records lost: the ring buffer was full\n`);
    } finally {
      src.close();
    }
  } finally {
    child?.kill();
  }
  return 0;
}

/** Reports every interval until `count`, Ctrl-C or the -c command's exit (each prints one). */
async function loop(
  io: Io,
  o: MemleakOptions,
  src: MemleakSource,
  kernel: boolean,
  exited: Promise<void> | null,
): Promise<void> {
  const clock = snoopClock();
  let done = false;
  void exited?.then(() => {
    done = true;
  });
  const drain = () =>
    src.trace?.drain((buf, off) => {
      const e = decodeEvent(buf, off);
      const at = clock.wall(e.ts);
      const addr = `0x${e.addr.toString(16)}`;
      if (o.json)
        io.out(
          `${toJson({ time: at.toISOString(), call: e.kind, pid: e.pid, tid: e.tid, addr, size: e.size })}\n`,
        );
      else if (e.kind === "alloc")
        io.out(`${e.pid}/${e.tid} alloc exited, size = ${e.size}, result = ${addr}\n`);
      else io.out(`${e.pid}/${e.tid} free entered, address = ${addr}, size = ${e.size}\n`);
    });
  let learnt = Date.now();
  for (let n = 1; ; n++) {
    const end = Date.now() + o.intervalS * 1000;
    let aborted = io.signal.aborted;
    while (!aborted && !done && Date.now() < end) {
      aborted = await waitOrAbort(Math.min(src.trace ? 100 : 250, end - Date.now()), io.signal);
      drain();
      // -c: name the frames while the command lives (its maps go when it exits).
      if (exited && Date.now() - learnt >= 1000) {
        src.learn();
        learnt = Date.now();
      }
    }
    if (io.signal.reason === "EPIPE") return;
    drain();
    io.out(report(src, o, kernel));
    if (aborted || done || n >= o.count) return;
  }
}

export const command: Command = toolCommand(tool, HELP, run);
