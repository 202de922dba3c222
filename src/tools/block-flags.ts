// The flags of the tools that time blocked threads (offcputime, wakeuptime, offwaketime):
// bcc's -u/-k (user or kernel threads only), -m/-M (block time bounds, µs) and --state,
// declared once with their exclusions and the kernel's form of the bounds; and the kernel
// config's first member they fill (lib/block-filter.bpf.h's struct block_filter).
import { decimalFlag, optionalOneOfFlag, switchFlag } from "../command/args.js";
import { UsageError } from "../errors.js";
import { layout } from "../sources/bpf/records.js";

/** --state values: the task's __state when it left the CPU (bcc: 0 running, 1 sleeping, 2 disk). */
const STATES = ["0", "1", "2", "4", "8", "16", "32", "64", "128", "256", "512", "1024"] as const;

/** The flags of the tools that time blocked threads (offcputime, wakeuptime, offwaketime; bcc's letters). */
export const BLOCK_FLAGS = {
  userThreadsOnly: switchFlag({
    long: "user-threads-only",
    short: "u",
    help: "user threads only (no kernel threads)",
  }),
  kernelThreadsOnly: switchFlag({
    long: "kernel-threads-only",
    short: "k",
    help: "kernel threads only (no user threads)",
  }),
  minBlockUs: decimalFlag({
    long: "min-block-time",
    short: "m",
    arg: "US",
    help: "only blocks of at least US microseconds (default 1)",
    min: 0,
    integer: true,
    fallback: 1,
  }),
  maxBlockUs: decimalFlag({
    long: "max-block-time",
    short: "M",
    arg: "US",
    help: "only blocks of at most US microseconds",
    min: 1,
    integer: true,
    fallback: Number.MAX_SAFE_INTEGER,
  }),
  state: optionalOneOfFlag({
    long: "state",
    arg: "STATE",
    choices: STATES,
    help: "only threads that left in this state (0 running/preempted, 1 interruptible sleep, 2 uninterruptible, ...)",
  }),
};

/** The exclusions among BLOCK_FLAGS. */
export function checkBlockFlags(v: {
  userThreadsOnly: boolean;
  kernelThreadsOnly: boolean;
  minBlockUs: number;
  maxBlockUs: number;
}): void {
  if (v.userThreadsOnly && v.kernelThreadsOnly) throw new UsageError("-u and -k exclude each other");
  if (v.minBlockUs > v.maxBlockUs) throw new UsageError("-m must not exceed -M");
}

/** -m/-M microseconds as the kernel's ns bound (no -M: the largest u64). */
export function blockNs(us: number): bigint {
  return us >= Number.MAX_SAFE_INTEGER ? 2n ** 64n - 1n : BigInt(us) * 1000n;
}

/** struct block_filter (lib/block-filter.bpf.h): the first member of each blocked-time tool's config. */
export const BLOCK_FILTER_FIELDS = [
  ["targ_tgid", "s32"],
  ["targ_pid", "s32"],
  ["user_threads_only", "u8"],
  ["kernel_threads_only", "u8"],
  ["user_stacks_only", "u8"],
  ["kernel_stacks_only", "u8"],
  ["state", "s64"],
  ["min_block_ns", "u64"],
  ["max_block_ns", "u64"],
] as const;
const BLOCK_FILTER = layout("block_filter", BLOCK_FILTER_FIELDS);

/** What struct block_filter says: the threads (-p/-t/-u/-k/--state), the stacks (-U/-K), -m/-M. */
export interface BlockFilter {
  pid: number | null;
  tid: number | null;
  userThreadsOnly: boolean;
  kernelThreadsOnly: boolean;
  userOnly: boolean;
  kernelOnly: boolean;
  state: number | null;
  minBlockUs: number;
  maxBlockUs: number;
}

/** Writes struct block_filter at the start of a config buffer (its first member). Pure. */
export function writeBlockFilter(b: Buffer, o: BlockFilter): Buffer {
  const c = BLOCK_FILTER.off;
  b.writeInt32LE(o.pid ?? -1, c.targ_tgid);
  b.writeInt32LE(o.tid ?? -1, c.targ_pid);
  b[c.user_threads_only] = o.userThreadsOnly ? 1 : 0;
  b[c.kernel_threads_only] = o.kernelThreadsOnly ? 1 : 0;
  b[c.user_stacks_only] = o.userOnly ? 1 : 0;
  b[c.kernel_stacks_only] = o.kernelOnly ? 1 : 0;
  b.writeBigInt64LE(BigInt(o.state ?? -1), c.state);
  b.writeBigUInt64LE(blockNs(o.minBlockUs), c.min_block_ns);
  b.writeBigUInt64LE(blockNs(o.maxBlockUs), c.max_block_ns);
  return b;
}
