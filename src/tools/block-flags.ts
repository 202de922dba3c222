// The flags of the tools that time blocked threads (offcputime, wakeuptime, offwaketime):
// bcc's -u/-k (user or kernel threads only), -m/-M (block time bounds, µs) and --state,
// declared once with their exclusions and the kernel's form of the bounds.
import { decimalFlag, optionalOneOfFlag, switchFlag } from "../command/args.js";
import { UsageError } from "../errors.js";

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
