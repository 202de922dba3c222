// A BPF ring buffer consumed from TypeScript without a native callback per record: the
// consumer page (read-write) and the producer page plus data (read-only, data mapped
// twice by the kernel so records that wrap are contiguous) are mmapped, and records are
// read in place. Layout per the kernel's ringbuf.c: 8-byte header {u32 len | BUSY | DISCARD,
// u32 pg_off}, payload, padded to 8 bytes. wait() sleeps until records arrive or a
// deadline passes (epoll on the map fd, as ring_buffer__poll); lost() is what the BPF side
// counted when bpf_ringbuf_reserve/output failed (a u64 slot of an ARRAY map it increments:
// kernel/lib/ringbuf.bpf.h), since a full ring drops records without a trace otherwise.
import { FdWaiter } from "./fd-wait.js";
import { track, untrack } from "./handles.js";
import { libbpf, mmapFd, PROT_READ, PROT_WRITE, type Ptr, pageSize, view } from "./libbpf.js";
import { arrayU64 } from "./maps.js";

export interface RingBufferOptions {
  /** Where the BPF side counts records it could not reserve: an ARRAY map of u64, a slot. */
  lost?: { mapFd: number; index: number };
}

const BUSY = 0x80000000;
const DISCARD = 0x40000000;
const HDR = 8;
/** Records between two updates of the consumer position during a drain. */
const CONSUMER_EVERY = 32;

export class RingBuffer {
  private consPtr: Ptr;
  private prodPtr: Ptr;
  private readonly cons: Buffer;
  private readonly prod: Buffer;
  private readonly data: Buffer;
  private readonly mask: bigint;
  private readonly page: number;
  private closed = false;
  private waiter: FdWaiter | null = null;
  private readonly lostAt: RingBufferOptions["lost"];

  /** `size` is the map's max_entries (a power of two, a multiple of the page size). */
  constructor(
    private readonly mapFd: number,
    private readonly size: number,
    opts: RingBufferOptions = {},
  ) {
    this.lostAt = opts.lost;
    this.page = pageSize();
    this.consPtr = mmapFd(this.page, PROT_READ | PROT_WRITE, mapFd, 0);
    if (this.consPtr === 0n) throw new Error("mmap ring buffer consumer page");
    this.prodPtr = mmapFd(this.page + 2 * size, PROT_READ, mapFd, this.page);
    if (this.prodPtr === 0n) {
      libbpf().munmap(this.consPtr, this.page);
      throw new Error("mmap ring buffer data");
    }
    this.cons = view(this.consPtr, 8);
    this.prod = view(this.prodPtr, this.page + 2 * size);
    this.data = this.prod.subarray(this.page);
    this.mask = BigInt(size - 1);
    track(this);
  }

  /**
   * Calls `onRecord(buf, offset, length)` for each committed record; returns how many.
   * A callback that returns true stops the drain after its record (the rest stays queued).
   * Positions are counted as numbers from the drain's start (no BigInt per record) and the
   * consumer position is given back to the kernel every CONSUMER_EVERY records and at the
   * end: a drain of a full ring frees room as it goes, as libbpf's does.
   */
  drain(onRecord: (buf: Buffer, off: number, len: number) => unknown): number {
    if (this.closed) return 0;
    const start = this.cons.readBigUInt64LE(0);
    const avail = Number(this.prod.readBigUInt64LE(0) - start);
    const base = Number(start & this.mask);
    let done = 0;
    let given = 0;
    let n = 0;
    while (done < avail) {
      const off = (base + done) % this.size;
      const hdr = this.data.readUInt32LE(off);
      if (hdr & BUSY) break;
      const len = hdr & ~(BUSY | DISCARD);
      let stop = false;
      if (!(hdr & DISCARD)) {
        stop = onRecord(this.data, off + HDR, len) === true;
        n++;
      }
      done += (len + HDR + 7) & ~7;
      if (stop) break;
      if (n - given >= CONSUMER_EVERY) {
        this.cons.writeBigUInt64LE(start + BigInt(done), 0);
        given = n;
      }
    }
    if (done > 0) this.cons.writeBigUInt64LE(start + BigInt(done), 0);
    return n;
  }

  /** True when committed records wait to be drained. */
  pending(): boolean {
    return !this.closed && this.cons.readBigUInt64LE(0) < this.prod.readBigUInt64LE(0);
  }

  /**
   * Resolves true as soon as records wait to be drained, false when `timeoutMs` passes
   * first (or the ring is closed meanwhile). The kernel wakes the waiter when a record is
   * committed without BPF_RB_NO_WAKEUP (and the consumer had caught up).
   */
  async wait(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const left = this.waitLeft(deadline);
      if (typeof left === "boolean") return left;
      await this.fdWaiter().wait(left);
    }
  }

  /** wait(), blocking this thread (for loops that have nothing else to do meanwhile). */
  waitSync(timeoutMs: number): boolean {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const left = this.waitLeft(deadline);
      if (typeof left === "boolean") return left;
      this.fdWaiter().waitSync(left);
    }
  }

  private fdWaiter(): FdWaiter {
    this.waiter ??= new FdWaiter(this.mapFd);
    return this.waiter;
  }

  /** true: records wait; false: closed or past the deadline; else the ms left to sleep. */
  private waitLeft(deadline: number): boolean | number {
    if (this.pending()) return true;
    const left = deadline - performance.now();
    return this.closed || left <= 0 ? false : left;
  }

  /** Records the BPF side could not reserve since load (0 without a counter). */
  lost(): number {
    if (this.lostAt === undefined || this.closed) return 0;
    return arrayU64(this.lostAt.mapFd, this.lostAt.index);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.waiter?.close();
    this.waiter = null;
    libbpf().munmap(this.prodPtr, this.page + 2 * this.size);
    libbpf().munmap(this.consPtr, this.page);
    this.prodPtr = 0n;
    this.consPtr = 0n;
    untrack(this);
  }
}
