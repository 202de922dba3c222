// One BPF object and everything made from it: its programs and maps (the object), and the
// links, ring-buffer mappings and other holders created after load. `close()` releases
// all of them, newest first, then the object (cilium/ebpf's Collection.Close()); callers
// never close pieces by hand, though a piece closed early (a clock stopped) is fine: every
// holder's close() is idempotent. bpf/handles.ts stays the safety net at process exit.
import { track, untrack } from "./handles.js";
import { BpfObject, type Link, type UprobeOptions } from "./object.js";
import { RingBuffer } from "./ringbuf.js";

export interface Closable {
  close(): void;
}

export class Collection {
  private readonly owned: Closable[] = [];
  private closed = false;

  private constructor(readonly obj: BpfObject) {
    track(this);
  }

  /** Parses the object file (no kernel involved); nothing is loaded yet. */
  static open(path: string): Collection {
    return new Collection(BpfObject.open(path));
  }

  get path(): string {
    return this.obj.path;
  }

  // ---- before load ------------------------------------------------------------------

  /** Load only these programs (libbpf autoload off for every other one). */
  setAutoload(programs: readonly string[]): void {
    this.obj.onlyPrograms(programs);
  }

  setReadOnlyConfig(bytes: Buffer, section = ".rodata"): void {
    this.obj.setReadOnlyConfig(bytes, section);
  }

  setMaxEntries(map: string, n: number): void {
    this.obj.setMaxEntries(map, n);
  }

  /** The verifier: one call loads every program left on autoload and creates the maps. */
  load(): void {
    this.obj.load();
  }

  // ---- after load: everything below is owned and closed by close() ------------------

  mapFd(name: string): number {
    return this.obj.mapFd(name);
  }

  mapMaxEntries(name: string): number {
    return this.obj.mapMaxEntries(name);
  }

  attach(program: string): Link {
    return this.own(this.obj.attach(program));
  }

  attachTaskIter(program: string, pid = 0): Link {
    return this.own(this.obj.attachTaskIter(program, pid));
  }

  /** The link owns `perfFd` from here on (closed with it). */
  attachPerfEvent(program: string, perfFd: number): Link {
    return this.own(this.obj.attachPerfEvent(program, perfFd));
  }

  attachUprobe(program: string, binary: string, offset: number, opts: UprobeOptions = {}): Link {
    return this.own(this.obj.attachUprobe(program, binary, offset, opts));
  }

  attachTracepoint(program: string, category: string, event: string, cookie = 0): Link {
    return this.own(this.obj.attachTracepoint(program, category, event, cookie));
  }

  /**
   * A reader of a BPF_MAP_TYPE_RINGBUF map of this object (mmapped in place); `lost` names
   * the ARRAY map and slot where the BPF side counts records it could not reserve.
   */
  ringBuffer(map: string, lost?: { map: string; index: number }): RingBuffer {
    const opts = lost ? { lost: { mapFd: this.mapFd(lost.map), index: lost.index } } : {};
    return this.own(new RingBuffer(this.mapFd(map), this.mapMaxEntries(map), opts));
  }

  /** Anything else holding this object's fds or mappings: closed before the object. */
  own<T extends Closable>(h: T): T {
    if (this.closed) {
      h.close();
      throw new Error(`${this.path} is closed`);
    }
    this.owned.push(h);
    return h;
  }

  /** Closes every owned holder (newest first), then the object. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    let first: unknown = null;
    for (const h of this.owned.reverse()) {
      try {
        h.close();
      } catch (err) {
        first ??= err;
      }
    }
    this.owned.length = 0;
    this.obj.close();
    untrack(this);
    if (first !== null) throw first;
  }
}
