// The in-kernel latency histograms of the sampler object (src/bpf/kernel/sampler/latency-hists.bpf.h):
// syscall latency per syscall (an mmapped array: read without a syscall), block I/O per
// device (issue → complete as biolatency, insert → complete as biolatency -Q) and run-queue
// latency per process (runqlat -P). `snapshot()` copies the counters of the syscall and
// block-I/O histograms; `diffSnapshots()` turns two into non-zero bucket deltas; `delta()` is
// the delta since the previous call (the hash maps only when asked: capture reads them
// every few seconds, not every round). The run-queue histograms are not counters kept
// forever: the kernel counts into one of two maps, and a read flips them and takes (reads
// and deletes) the one it left, so a read costs the processes that waited since the last
// one, not every process seen since the start (a fork storm's thousands).
import type { Collection } from "../../bpf/collection.js";
import { slotDeltas } from "../../bpf/hist.js";
import {
  libbpf,
  mmapFd,
  PROT_READ,
  type Ptr,
  pageSize,
  view,
  waitForRunningPrograms,
} from "../../bpf/libbpf.js";
import { mapEntries, mapTakeChunks, mapUpdate } from "../../bpf/maps.js";
import { HIST_BUCKETS, type LatencyDelta, type LatKind } from "../../model/latency-buckets.js";
import { syscallName } from "../../platform/syscall-table.js";
import { cString, NR_SYSCALL_SLOTS } from "./records.js";
import { MAPS } from "./sampler-object.js";

/** Layout of struct tsnap_hist_config (latency-hists.bpf.h): four u8. */
export const HIST_CONFIG_SIZE = 4;
const BUCKET_BYTES = HIST_BUCKETS * 4;
const SC_VALUE = BUCKET_BYTES; // struct sc_hist
const IO_VALUE = 2 * BUCKET_BYTES; // struct io_hist: service, total
const RQ_VALUE = 16 + BUCKET_BYTES; // struct rq_hist: comm, buckets

export interface HistChoice {
  sc: boolean;
  io: boolean;
  rq: boolean;
}

/** Which histograms to keep: all, unless TSNAP_LATENCY_HISTS says (e.g. "sc,io" or "none"). */
export function histChoice(env = process.env.TSNAP_LATENCY_HISTS): HistChoice {
  if (env === undefined || env === "") return { sc: true, io: true, rq: true };
  const list = env.split(",").map((s) => s.trim());
  return { sc: list.includes("sc"), io: list.includes("io"), rq: list.includes("rq") };
}

/** The bytes of `.rodata.hist` (pure). */
export function histConfigBytes(c: HistChoice, filterPids: boolean): Buffer {
  return Buffer.from([c.sc ? 1 : 0, c.io ? 1 : 0, c.rq ? 1 : 0, filterPids ? 1 : 0]);
}

export interface LatencySnapshot {
  sc: Buffer;
  io: Map<number, Buffer>;
}

/** Run-queue entries taken per batch syscall (~0.5 MB of values). */
const RQ_CHUNK = 256;

export class LatencyHistograms {
  private readonly scPtr: Ptr;
  private readonly scLen: number;
  private readonly scView: Buffer;
  private last: LatencySnapshot;
  private closed = false;

  constructor(
    obj: Collection,
    readonly choice: HistChoice,
  ) {
    const fd = obj.mapFd(MAPS.scHist);
    const page = pageSize();
    this.scLen = Math.ceil((NR_SYSCALL_SLOTS * SC_VALUE) / page) * page;
    this.scPtr = mmapFd(this.scLen, PROT_READ, fd, 0);
    if (this.scPtr === 0n) throw new Error("mmap of the syscall latency histograms failed");
    this.scView = view(this.scPtr, NR_SYSCALL_SLOTS * SC_VALUE);
    this.ioFd = obj.mapFd(MAPS.ioHist);
    this.rqFds = [obj.mapFd(MAPS.rqHist0), obj.mapFd(MAPS.rqHist1)];
    this.rqEpochFd = obj.mapFd(MAPS.rqEpoch);
    this.last = this.snapshot();
  }

  private readonly ioFd: number;
  private readonly rqFds: number[];
  private readonly rqEpochFd: number;
  /** The run-queue map the kernel counts into (rq_epoch[0]; 0 at load). */
  private rqEpoch = 0;
  private readonly ioScratch = { keys: Buffer.alloc(4 * 16), values: Buffer.alloc(IO_VALUE * 16) };
  private readonly rqScratch = {
    keys: Buffer.alloc(4 * RQ_CHUNK),
    values: Buffer.alloc(RQ_VALUE * RQ_CHUNK),
  };
  private readonly zeroKey = Buffer.alloc(4);
  private readonly epochValue = Buffer.alloc(4);

  private readIo(): Map<number, Buffer> {
    if (this.closed) throw new Error("latency histograms are closed");
    const io = new Map<number, Buffer>();
    if (this.choice.io)
      for (const [k, v] of mapEntries(this.ioFd, 4, IO_VALUE, 16, this.ioScratch))
        io.set(k.readUInt32LE(), v);
    return io;
  }

  /**
   * The run-queue waits since the previous call (the first: since the hooks attached), one
   * delta per process that had any: the kernel is switched to the other map, every program
   * that may still count into this one is waited for (an RCU grace period, sleeping), and
   * this one is read and emptied. Exact: no wait is counted twice or lost.
   */
  private takeRq(out: LatencyDelta[]): void {
    if (this.closed) throw new Error("latency histograms are closed");
    if (!this.choice.rq) return;
    const old = this.rqEpoch;
    this.rqEpoch ^= 1;
    this.epochValue.writeUInt32LE(this.rqEpoch);
    mapUpdate(this.rqEpochFd, this.zeroKey, this.epochValue);
    waitForRunningPrograms();
    const { keys, values } = this.rqScratch;
    mapTakeChunks(this.rqFds[old]!, 4, RQ_VALUE, keys, values, RQ_CHUNK, (n) => {
      for (let i = 0; i < n; i++) {
        const off = i * RQ_VALUE;
        const buckets = bucketDelta(undefined, values, off + 16);
        if (buckets.length)
          out.push({
            ...blank("rq"),
            tgid: keys.readUInt32LE(4 * i),
            comm: cString(values, off, 16),
            buckets,
          });
      }
    });
  }

  /** A copy of the syscall and block-I/O counters now (its own buffers). */
  snapshot(): LatencySnapshot {
    return { sc: Buffer.from(this.scView), io: this.readIo() };
  }

  /**
   * Non-zero deltas since the previous call (the first: since the hooks attached). The
   * syscall counters are compared in place with the mmapped map: only syscalls that
   * changed are read and copied. With `maps` false the block-I/O and run-queue maps are
   * not read: their deltas accumulate into the next call that reads them.
   */
  delta(maps = true): LatencyDelta[] {
    const out = scDeltas(this.last.sc, this.scView, true);
    if (!maps) return out;
    const io = this.readIo();
    out.push(...ioDeltas(this.last.io, io));
    this.last = { sc: this.last.sc, io };
    this.takeRq(out);
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    libbpf().munmap(this.scPtr, this.scLen);
  }
}

/** Bucket deltas of one histogram at `off` (bpf/hist.ts: u32 counters, deltas mod 2^32). */
function bucketDelta(a: Buffer | undefined, b: Buffer, off: number): [number, number][] {
  return slotDeltas(a, b, off, HIST_BUCKETS);
}

const blank = (kind: LatKind): LatencyDelta => ({
  kind,
  syscall: null,
  devMajor: null,
  devMinor: null,
  tgid: null,
  comm: null,
  buckets: [],
});

/** What happened to the syscall and block-I/O counters between two snapshots, non-zero buckets only. */
export function diffSnapshots(a: LatencySnapshot, b: LatencySnapshot): LatencyDelta[] {
  return [...scDeltas(a.sc, b.sc, false), ...ioDeltas(a.io, b.io)];
}

const BLOCK = 16; // syscalls compared at once before looking at each

/** Syscall deltas from `a` to `b`; with `update`, `a` is brought up to `b` where it differed. */
function scDeltas(a: Buffer, b: Buffer, update: boolean): LatencyDelta[] {
  const out: LatencyDelta[] = [];
  for (let blk = 0; blk < NR_SYSCALL_SLOTS; blk += BLOCK) {
    const start = blk * SC_VALUE;
    const end = start + BLOCK * SC_VALUE;
    if (b.compare(a, start, end, start, end) === 0) continue;
    for (let nr = blk; nr < blk + BLOCK; nr++) {
      const off = nr * SC_VALUE;
      const buckets = bucketDelta(a, b, off);
      if (buckets.length === 0) continue;
      out.push({ ...blank("sc"), syscall: syscallName(nr), buckets });
      if (update) b.copy(a, off, off, off + SC_VALUE); // a + (b - a) mod 2^32 is b
    }
  }
  return out;
}

function ioDeltas(a: Map<number, Buffer>, b: Map<number, Buffer>): LatencyDelta[] {
  const out: LatencyDelta[] = [];
  for (const [dev, v] of b) {
    const prev = a.get(dev);
    const devMajor = dev >>> 20;
    const devMinor = dev & 0xfffff;
    const service = bucketDelta(prev, v, 0);
    if (service.length) out.push({ ...blank("io"), devMajor, devMinor, buckets: service });
    const total = bucketDelta(prev, v, BUCKET_BYTES);
    if (total.length) out.push({ ...blank("ioq"), devMajor, devMinor, buckets: total });
  }
  return out;
}

/** The histograms of a sampler that keeps them (the bpf source with hooks), else null. */
export function latencyHistogramsOf(sampler: object): LatencyHistograms | null {
  const s = sampler as { latencyHistograms?: () => LatencyHistograms | null };
  return typeof s.latencyHistograms === "function" ? s.latencyHistograms() : null;
}
