// The in-kernel latency histograms of the sampler object (src/bpf/kernel/sampler/latency-hists.bpf.h):
// syscall latency per syscall (an mmapped array: read without a syscall), block I/O per
// device (issue → complete as biolatency, insert → complete as biolatency -Q) and run-queue
// latency per process (runqlat -P). `snapshot()` copies the counters; `diff()` turns two
// snapshots into non-zero bucket deltas; `delta()` is the delta since the previous call
// (the two hash maps, a few syscalls and a buffer per entry, only when asked: capture reads
// them every few seconds, not every round).
import { existsSync } from "node:fs";
import type { Collection } from "../../bpf/collection.js";
import { slotDeltas } from "../../bpf/hist.js";
import { libbpf, mmapFd, PROT_READ, type Ptr, pageSize, view } from "../../bpf/libbpf.js";
import { mapDelete, mapEntries, mapEntriesInto } from "../../bpf/maps.js";
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
  rq: Map<number, Buffer>;
}

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
    this.rqFd = obj.mapFd(MAPS.rqHist);
    const rqMax = obj.mapMaxEntries(MAPS.rqHist);
    this.rqArenas = [0, 1].map(() => ({
      keys: Buffer.alloc(4 * rqMax),
      values: Buffer.alloc(RQ_VALUE * rqMax),
    }));
    this.last = this.snapshot();
  }

  private readonly ioFd: number;
  private readonly rqFd: number;

  private readonly ioScratch = { keys: Buffer.alloc(4 * 16), values: Buffer.alloc(IO_VALUE * 16) };
  /**
   * The run-queue map (up to max_entries processes; a fork storm fills it every round) is
   * read into one of two arenas, the other holding the previous snapshot: no allocation
   * per process per round (pooled copies pinned ~100 MB of 8 KB slabs in a soak).
   */
  private readonly rqArenas: { keys: Buffer; values: Buffer }[];
  private rqNext = 0;

  private readMaps(arena?: { keys: Buffer; values: Buffer }): Pick<LatencySnapshot, "io" | "rq"> {
    if (this.closed) throw new Error("latency histograms are closed");
    const io = new Map<number, Buffer>();
    if (this.choice.io)
      for (const [k, v] of mapEntries(this.ioFd, 4, IO_VALUE, 16, this.ioScratch))
        io.set(k.readUInt32LE(), v);
    const rq = new Map<number, Buffer>();
    if (this.choice.rq) {
      const a = arena ?? this.rqArenas[this.rqNext++ % 2]!;
      const n = mapEntriesInto(this.rqFd, 4, RQ_VALUE, a.keys, a.values, 256);
      for (let i = 0; i < n; i++)
        rq.set(a.keys.readUInt32LE(4 * i), a.values.subarray(i * RQ_VALUE, (i + 1) * RQ_VALUE));
    }
    return { io, rq };
  }

  /** A copy of every counter now (its own buffers: it stays valid across delta()). */
  snapshot(): LatencySnapshot {
    const own = {
      keys: Buffer.alloc(this.rqArenas[0]!.keys.length),
      values: Buffer.alloc(this.rqArenas[0]!.values.length),
    };
    const maps = this.readMaps(own);
    return { sc: Buffer.from(this.scView), ...maps };
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
    const now = { sc: this.last.sc, ...this.readMaps() };
    out.push(...mapDeltas(this.last, now));
    this.last = now;
    if (++this.deltas % 64 === 0) this.pruneExited(now);
    return out;
  }

  private deltas = 0;

  /** Forget run-queue histograms of processes that exited (their last delta is taken). */
  private pruneExited(snap: LatencySnapshot): void {
    const key = Buffer.alloc(4);
    for (const tgid of snap.rq.keys()) {
      if (existsSync(`/proc/${tgid}`)) continue;
      key.writeUInt32LE(tgid);
      mapDelete(this.rqFd, key);
      snap.rq.delete(tgid);
    }
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

/** What happened between two snapshots, non-zero buckets only. */
export function diffSnapshots(a: LatencySnapshot, b: LatencySnapshot): LatencyDelta[] {
  return [...scDeltas(a.sc, b.sc, false), ...mapDeltas(a, b)];
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

function mapDeltas(
  a: Pick<LatencySnapshot, "io" | "rq">,
  b: Pick<LatencySnapshot, "io" | "rq">,
): LatencyDelta[] {
  const out: LatencyDelta[] = [];
  for (const [dev, v] of b.io) {
    const prev = a.io.get(dev);
    const devMajor = dev >>> 20;
    const devMinor = dev & 0xfffff;
    const service = bucketDelta(prev, v, 0);
    if (service.length) out.push({ ...blank("io"), devMajor, devMinor, buckets: service });
    const total = bucketDelta(prev, v, BUCKET_BYTES);
    if (total.length) out.push({ ...blank("ioq"), devMajor, devMinor, buckets: total });
  }
  for (const [tgid, v] of b.rq) {
    const buckets = bucketDelta(a.rq.get(tgid), v, 16);
    if (buckets.length) out.push({ ...blank("rq"), tgid, comm: cString(v, 0, 16), buckets });
  }
  return out;
}

/** The histograms of a sampler that keeps them (the bpf source with hooks), else null. */
export function latencyHistogramsOf(sampler: object): LatencyHistograms | null {
  const s = sampler as { latencyHistograms?: () => LatencyHistograms | null };
  return typeof s.latencyHistograms === "function" ? s.latencyHistograms() : null;
}
