// A BPF ring buffer consumed from TypeScript without a native callback per record: the
// consumer page (read-write) and the producer page plus data (read-only, data mapped
// twice by the kernel so records that wrap are contiguous) are mmapped, and records are
// read in place. Layout per the kernel's ringbuf.c: 8-byte header {u32 len | BUSY | DISCARD,
// u32 pg_off}, payload, padded to 8 bytes.
import { track, untrack } from "./handles.js";
import { libbpf, mmapFd, PROT_READ, PROT_WRITE, type Ptr, pageSize, view } from "./libbpf.js";

const BUSY = 0x80000000;
const DISCARD = 0x40000000;
const HDR = 8;

export class RingBuffer {
  private consPtr: Ptr;
  private prodPtr: Ptr;
  private readonly cons: Buffer;
  private readonly prod: Buffer;
  private readonly data: Buffer;
  private readonly mask: bigint;
  private readonly page: number;
  private closed = false;

  /** `size` is the map's max_entries (a power of two, a multiple of the page size). */
  constructor(
    mapFd: number,
    private readonly size: number,
  ) {
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
   */
  drain(onRecord: (buf: Buffer, off: number, len: number) => unknown): number {
    if (this.closed) return 0;
    let cons = this.cons.readBigUInt64LE(0);
    const prod = this.prod.readBigUInt64LE(0);
    let n = 0;
    while (cons < prod) {
      const off = Number(cons & this.mask);
      const hdr = this.data.readUInt32LE(off);
      if (hdr & BUSY) break;
      const len = hdr & ~(BUSY | DISCARD);
      let stop = false;
      if (!(hdr & DISCARD)) {
        stop = onRecord(this.data, off + HDR, len) === true;
        n++;
      }
      cons += BigInt((len + HDR + 7) & ~7);
      this.cons.writeBigUInt64LE(cons, 0);
      if (stop) break;
    }
    return n;
  }

  /** True when committed records wait to be drained. */
  pending(): boolean {
    return !this.closed && this.cons.readBigUInt64LE(0) < this.prod.readBigUInt64LE(0);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    libbpf().munmap(this.prodPtr, this.page + 2 * this.size);
    libbpf().munmap(this.consPtr, this.page);
    this.prodPtr = 0n;
    this.consPtr = 0n;
    untrack(this);
  }
}
