// What the tools that follow a syscall from entry to exit share (opensnoop, statsnoop,
// mountsnoop: lib/syscall-pair.bpf.h on the kernel side): the two slots of their `lost`
// counters and what each means, and the decoder of their event record, derived from its
// layout, with the traced syscall's index turned into its name. Pure.

import type { Decoded, RecordLayout } from "../sources/bpf/record-decode.js";
import type { FieldType } from "../sources/bpf/records.js";

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

type Fields = readonly (readonly [string, FieldType])[];

/** An event as decoded, its padding left out and field `key` (a syscall's index) named. */
export type SyscallEvent<Fs extends Fields, K extends string, S extends readonly string[]> = Omit<
  Decoded<Fs>,
  "pad" | K
> &
  Record<K, S[number]>;

/** The decoder of a syscall-pair event: every field of `event`, field `key` as names[index]. */
export function syscallEventDecoder<Fs extends Fields, K extends string, S extends readonly string[]>(
  event: RecordLayout<Fs>,
  key: K,
  names: S,
  fallback: S[number],
): (buf: Buffer, off: number) => SyscallEvent<Fs, K, S> {
  return (buf, off) => {
    const r: Record<string, unknown> = event.decode(buf, off);
    delete r.pad;
    r[key] = names[r[key] as number] ?? fallback;
    return r as SyscallEvent<Fs, K, S>;
  };
}
