// The stack dictionary on the user side: the kernel sends each stack once (a record in the
// iterator stream, keyed by its hash); this keeps the symbolized frames, hands new ones to
// the round's newStacks, and asks the kernel to send again a stack whose record was lost.
import { kernelSymbols } from "../../bpf/kallsyms.js";
import { mapDelete } from "../../bpf/maps.js";
import type { StackEntry } from "../../model/sample.js";
import { decodeStack } from "./decode.js";

export interface KnownStack {
  /** Frames leaf first, joined by ";" (the Sample.kstack form). */
  joined: string;
  /** First kernel frame outside the scheduler, without offset (as /proc/PID/wchan). */
  wchan: string | null;
}

export class StackDictionary {
  private readonly known = new Map<bigint, KnownStack>();

  /** `knownStacksFd`: the kernel's map of hashes already sent. */
  constructor(private readonly knownStacksFd: number) {}

  /** Records a stack record at `off`; a stack not seen before goes to `out`. */
  learn(buf: Buffer, off: number, out: StackEntry[]): void {
    const raw = decodeStack(buf, off);
    if (this.known.has(raw.hash)) return;
    let frames: string[];
    let wchan: string | null = null;
    if (raw.user) {
      frames = raw.addrs.map((a) => `0x${a.toString(16)}`);
    } else {
      const syms = kernelSymbols();
      frames = raw.addrs.map((a) => syms.symbolize(a));
      const w = raw.addrs.find((a) => !syms.inSchedText(a));
      wchan = w === undefined ? null : syms.symbolize(w).replace(/\+0x[0-9a-f]+$/, "");
    }
    this.known.set(raw.hash, { joined: frames.join(";"), wchan });
    out.push({ kind: raw.user ? "user" : "kernel", hash: raw.hash, frames });
  }

  get(hash: bigint): KnownStack | undefined {
    return this.known.get(hash);
  }

  /** Makes the kernel send this stack again (its record never reached us). */
  forget(hash: bigint): void {
    const k = Buffer.alloc(8);
    k.writeBigUInt64LE(hash);
    mapDelete(this.knownStacksFd, k);
  }
}
