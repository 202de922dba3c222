// What the tools that follow a syscall from entry to exit share (opensnoop, statsnoop,
// mountsnoop, filelife, gethostlatency: lib/syscall-pair.bpf.h on the kernel side): the two slots of their `lost`
// counters and what each means. Their event records are decoded by record-decode.ts's
// namedDecoder (the traced syscall's index turned into its name). Pure.

/** Slots of the `lost` array map (LOST_RING, LOST_START in lib/syscall-pair.bpf.h). */
export const LOST_RING = 0;
export const LOST_START = 1;

/** snoop-tool.ts's lostWords for a tool whose events are `what` (e.g. "opens", "calls"). */
export function pairLostWords(what: string): { ring: string; start: string } {
  return {
    ring: `${what} lost: the ring buffer was full`,
    start: `${what} lost: the map of ${what} in progress was full`,
  };
}
