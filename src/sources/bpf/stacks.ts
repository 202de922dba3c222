// The stack dictionary on the user side: the kernel sends each stack once (a record in the
// iterator stream, keyed by its hash); this keeps the symbolized frames, hands new ones to
// the round's newStacks, and asks the kernel to send again a stack whose record was lost.
// A user stack record carries no process: it is symbolized when the first sample that
// uses it names its process (UserSymbolizer read that process's maps at first sight).
import { kernelSymbols } from "../../bpf/kallsyms.js";
import { mapDelete } from "../../bpf/maps.js";
import { frameName } from "../../model/derived-columns.js";
import type { StackEntry } from "../../model/sample.js";
import { UserSymbolizer } from "../../platform/user-symbols.js";
import { decodeStack } from "./decode.js";

export interface KnownStack {
  /** Frames leaf first, joined by ";" (the Sample.kstack form). */
  joined: string;
  /** First kernel frame outside the scheduler, without offset (as /proc/PID/wchan). */
  wchan: string | null;
}

export class StackDictionary {
  private readonly known = new Map<bigint, KnownStack>();
  /** User stacks received but not yet symbolized (no sample has named their process yet). */
  private readonly pendingUser = new Map<bigint, bigint[]>();
  readonly users = new UserSymbolizer();

  /** `knownStacksFd`: the kernel's map of hashes already sent. */
  constructor(private readonly knownStacksFd: number) {}

  /** Records a stack record at `off`; a stack not seen before goes to `out`. */
  learn(buf: Buffer, off: number, out: StackEntry[]): void {
    const raw = decodeStack(buf, off);
    if (this.known.has(raw.hash)) return;
    if (raw.user) {
      this.pendingUser.set(raw.hash, raw.addrs);
      return;
    }
    const syms = kernelSymbols();
    const frames = raw.addrs.map((a) => syms.symbolize(a));
    const w = raw.addrs.find((a) => !syms.inSchedText(a));
    const wchan = w === undefined ? null : frameName(syms.symbolize(w));
    this.known.set(raw.hash, { joined: frames.join(";"), wchan });
    out.push({ kind: "kernel", hash: raw.hash, frames });
  }

  /** A user stack used by a sample of process `tgid`: symbolized on first use (→ `out`). */
  userStack(hash: bigint, tgid: number, out: StackEntry[]): KnownStack | undefined {
    const known = this.known.get(hash);
    if (known) return known;
    const addrs = this.pendingUser.get(hash);
    if (!addrs) return undefined;
    this.pendingUser.delete(hash);
    const frames = this.users.frames(tgid, addrs);
    const entry = { joined: frames.join(";"), wchan: null };
    this.known.set(hash, entry);
    out.push({ kind: "user", hash, frames });
    return entry;
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
