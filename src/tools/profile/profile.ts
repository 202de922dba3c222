// `tsnap profile`: on-CPU stacks sampled at a frequency on every CPU (bcc/libbpf-tools
// profile). A software cpu-clock perf event per CPU runs profile.bpf.c, which counts
// (process, comm, kernel stack, user stack) in the kernel; at the end the counts are read
// once, symbolized, and printed as bcc's text or folded form (flame graphs).
import { readFileSync } from "node:fs";
import { BpfObject, type Link } from "../../bpf/object.js";
import { bpfObjectPath } from "../../bpf/paths.js";
import { openCpuClock } from "../../bpf/probes.js";
import { numberFlag, parseArgs } from "../../command/args.js";
import type { Command, Io } from "../../command/command.js";
import { UsageError } from "../../errors.js";
import type { StackReportOptions, StackRow } from "../../report/stack-report.js";
import { layout } from "../../sources/bpf/records.js";
import {
  explainLoadError,
  printStackReport,
  readStackCounts,
  runFor,
  StackResolver,
  seenProcesses,
} from "../stack-tool.js";
import {
  cpuList,
  DwarfCollector,
  openUnwindRing,
  parseUnwind,
  sizeUnwindMaps,
  type Unwind,
  type UnwindStats,
  USTACK_REC,
} from "../unwind-stacks.js";

/** The layouts of profile.bpf.c (its _Static_asserts check the sizes). */
export const PROFILE_CONFIG = layout("profile_config", [
  ["targ_tgid", "s32"],
  ["targ_tid", "s32"],
  ["user_stacks_only", "u8"],
  ["kernel_stacks_only", "u8"],
  ["include_idle", "u8"],
  ["dwarf", "u8"],
  ["ustack_bytes", "u32"],
]);
export const PROFILE_KEY = layout("profile_key", [
  ["pid", "u32"],
  ["user_stack_id", "s32"],
  ["kern_stack_id", "s32"],
  ["comm", { array: "char", len: 16 }],
]);

export interface ProfileOptions extends StackReportOptions {
  pid: number | null;
  tid: number | null;
  hz: number;
  includeIdle: boolean;
  folded: boolean;
  stackStorageSize: number;
  durationS: number;
  unwind: Unwind;
}

const HELP = `tsnap profile [options] [DURATION]

Samples the stacks of threads on a CPU at a fixed frequency on every CPU (software
cpu-clock perf events) and prints how often each stack was seen: bcc's profile. Counting
happens in the kernel; stacks are read and symbolized once at the end (user frames by
the ELF symbols of each mapping, separate debug files, and /tmp/perf-PID.map for JITs).
Runs for DURATION seconds, or until Ctrl-C. Needs root.

OPTIONS
  -p, --pid PID          only this process
  -L, --tid TID          only this thread
  -F, --frequency HZ     samples per second per CPU (default 49)
  -U, --user-stacks-only     user stacks only (no kernel frames)
  -K, --kernel-stacks-only   kernel stacks only (no user frames)
  -I, --include-idle     include the idle threads (pid 0)
  -d, --delimited        a "--" (text) or "-" (folded) between kernel and user stacks
  -a, --annotations      kernel frames get a _[k] suffix
  -f, --folded           one line per stack, "comm;root;...;leaf count" (flame graphs)
      --stack-storage-size N   distinct stacks kept (default 16384)
      --unwind fp|dwarf[,BYTES]   how user stacks are walked: fp (default) follows
                         frame pointers in the kernel and counts there; dwarf copies
                         the user registers and the top BYTES of the user stack (default
                         8192) at each sample and unwinds them with each file's .eh_frame
                         in tsnap (perf --call-graph dwarf): full stacks through code
                         built without frame pointers (Debian's libc, -O2 binaries), at
                         ~BYTES per sample through a ring buffer
  -h, --help             this help

OUTPUT
  Text: each stack leaf first (kernel frames, then user frames), then "- comm (pid)"
  and the number of samples; the most frequent stack last. Folded: largest first.
  A user frame with no symbol shows as "[unknown] (module)".

EXAMPLES
  tsnap profile 10                  # all CPUs for 10 seconds
  tsnap profile -F 99 -p 1234 -f 30 > out.folded   # one process, folded, 30 s
  tsnap profile -U -p 1234 5        # user stacks only
  tsnap profile -adf 10             # folded with kernel/user delimiter and _[k]
  tsnap profile --unwind dwarf -p 1234 -f 10   # full user stacks without frame pointers
`;

/** Parses argv into options (pure). */
export function parseProfileArgs(argv: string[]): ProfileOptions {
  const { values, positionals } = parseArgs(
    argv,
    {
      pid: { type: "string", short: "p" },
      tid: { type: "string", short: "L" },
      frequency: { type: "string", short: "F" },
      "user-stacks-only": { type: "boolean", short: "U" },
      "kernel-stacks-only": { type: "boolean", short: "K" },
      "include-idle": { type: "boolean", short: "I" },
      delimited: { type: "boolean", short: "d" },
      annotations: { type: "boolean", short: "a" },
      folded: { type: "boolean", short: "f" },
      "stack-storage-size": { type: "string" },
      unwind: { type: "string" },
    },
    1,
  );
  const id = (v: typeof values.pid, name: string) =>
    v === undefined ? null : numberFlag(v, name, { min: 1, max: 2 ** 31 - 1, integer: true, fallback: 0 });
  const userOnly = values["user-stacks-only"] === true;
  const kernelOnly = values["kernel-stacks-only"] === true;
  if (userOnly && kernelOnly) throw new UsageError("-U and -K exclude each other");
  const pid = id(values.pid, "-p");
  const tid = id(values.tid, "-L");
  if (pid !== null && tid !== null) throw new UsageError("-p and -L exclude each other");
  return {
    pid,
    tid,
    hz: numberFlag(values.frequency, "-F", { min: 1, max: 10_000, integer: true, fallback: 49 }),
    userOnly,
    kernelOnly,
    includeIdle: values["include-idle"] === true,
    delimited: values.delimited === true,
    annotate: values.annotations === true,
    folded: values.folded === true,
    stackStorageSize: numberFlag(values["stack-storage-size"], "--stack-storage-size", {
      min: 1,
      max: 1 << 22,
      integer: true,
      fallback: 16384,
    }),
    durationS:
      positionals[0] === undefined
        ? Number.POSITIVE_INFINITY
        : numberFlag(positionals[0], "DURATION", { min: 0.01, fallback: 0 }),
    // Kernel stacks only: no user stack to copy.
    unwind: kernelOnly ? { mode: "fp" } : parseUnwind(values.unwind as string | undefined),
  };
}

/** The read-only config bytes for profile.bpf.c. */
export function profileConfig(o: ProfileOptions): Buffer {
  const b = Buffer.alloc(PROFILE_CONFIG.size);
  b.writeInt32LE(o.pid ?? -1, PROFILE_CONFIG.off.targ_tgid);
  b.writeInt32LE(o.tid ?? -1, PROFILE_CONFIG.off.targ_tid);
  b[PROFILE_CONFIG.off.user_stacks_only] = o.userOnly ? 1 : 0;
  b[PROFILE_CONFIG.off.kernel_stacks_only] = o.kernelOnly ? 1 : 0;
  b[PROFILE_CONFIG.off.include_idle] = o.includeIdle ? 1 : 0;
  b[PROFILE_CONFIG.off.dwarf] = o.unwind.mode === "dwarf" ? 1 : 0;
  b.writeUInt32LE(o.unwind.mode === "dwarf" ? o.unwind.bytes : 0, PROFILE_CONFIG.off.ustack_bytes);
  return b;
}

/** CPUs in /sys/devices/system/cpu/online ("0-3,6"). */
export function onlineCpus(text = readFileSync("/sys/devices/system/cpu/online", "utf8")): number[] {
  return cpuList(text);
}

function header(o: ProfileOptions): string {
  const who = o.pid !== null ? `PID ${o.pid}` : o.tid !== null ? `TID ${o.tid}` : "all threads";
  const how = o.userOnly ? "user" : o.kernelOnly ? "kernel" : "user + kernel";
  const dur = Number.isFinite(o.durationS) ? ` for ${o.durationS} secs.` : "... Hit Ctrl-C to end.";
  return `Sampling at ${o.hz} Hertz of ${who} by ${how} stack${dur}\n`;
}

/** Samples as rows (symbolized): the profile's result (with --unwind dwarf, what it cost). */
export async function profile(
  o: ProfileOptions,
  signal: AbortSignal,
): Promise<{ rows: StackRow[]; lost: number; dropped?: number; unwind?: UnwindStats }> {
  const obj = BpfObject.open(bpfObjectPath("profile"));
  const links: Link[] = [];
  let ring: ReturnType<typeof openUnwindRing> | null = null;
  try {
    const cpus = onlineCpus();
    obj.setReadOnlyConfig(profileConfig(o));
    obj.setMaxEntries("stackmap", o.stackStorageSize);
    obj.setMaxEntries("counts", o.stackStorageSize);
    const recordBytes = USTACK_REC.size + (o.unwind.mode === "dwarf" ? o.unwind.bytes : 0);
    sizeUnwindMaps(obj, o.unwind, o.hz * cpus.length * recordBytes);
    try {
      obj.load();
      for (const cpu of cpus) links.push(obj.attachPerfEvent("do_sample", openCpuClock(cpu, o.hz)));
    } catch (err) {
      throw explainLoadError("profile", err);
    }
    const countsFd = obj.mapFd("counts");
    const stacks = new StackResolver(obj.mapFd("stackmap"));
    if (o.unwind.mode === "dwarf") {
      // One record per sample, unwound as it is drained (maps read at first sight).
      const r = openUnwindRing(obj);
      ring = r;
      const dwarf = new DwarfCollector(stacks, "tgid");
      if (o.pid !== null) stacks.users.see(o.pid);
      const drain = () => r.drain((b, off, len) => dwarf.add(b, off, len));
      await runFor(o.durationS, signal, drain, 100);
      for (const l of links.splice(0)) l.close();
      drain();
      return { ...dwarf.rows(o, Number), dropped: r.lost(), unwind: dwarf.stats };
    }
    // Maps at first sight: a process that exits before the end still resolves.
    if (o.pid !== null) stacks.users.see(o.pid);
    const learn = () => {
      for (const pid of seenProcesses(countsFd, PROFILE_KEY.size, 8, PROFILE_KEY.off.pid))
        stacks.users.see(pid);
    };
    await runFor(o.durationS, signal, learn);
    for (const l of links.splice(0)) l.close(); // stop sampling before reading
    learn();
    const key = {
      size: PROFILE_KEY.size,
      comm: PROFILE_KEY.off.comm,
      id: PROFILE_KEY.off.pid,
      tgid: PROFILE_KEY.off.pid,
      userStackId: PROFILE_KEY.off.user_stack_id,
      kernStackId: PROFILE_KEY.off.kern_stack_id,
    };
    return readStackCounts(countsFd, key, stacks, o, Number);
  } finally {
    for (const l of links) l.close();
    ring?.close();
    obj.close();
  }
}

async function run(argv: string[], io: Io): Promise<number> {
  const o = parseProfileArgs(argv);
  return printStackReport(io, o, header(o), () => profile(o, io.signal));
}

export const command: Command = {
  name: "profile",
  summary: "on-CPU stacks sampled at a frequency, text or folded (bcc profile)",
  help: HELP,
  run,
};
