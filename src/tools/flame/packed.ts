// Stacks packed for layout: each distinct frame name once (an id), every stack a run of ids
// in one Int32Array, counts in Float64Arrays. 50,000 stacks of 25 frames are a few MB of
// typed arrays instead of a million strings and arrays for the garbage collector to walk,
// and frames compare by id. Built by the byte-level reader (folded-reader.ts) or from
// FoldedStack records (packStacks); tree.ts lays it out.
import type { FoldedStack } from "./folded.js";

export interface PackedStacks {
  /** Frame name of each id; distinct (equal names have one id). */
  names: string[];
  /** Frame ids, root first, every stack's after the previous one's. */
  ids: Int32Array;
  /** Stack i's ids are ids[ends[i - 1] ?? 0 .. ends[i]). */
  ends: Int32Array;
  counts: Float64Array;
  /** Differential input: the counts of the first profile (NaN: a record without one). */
  befores?: Float64Array;
  /** Number of stacks. */
  length: number;
}

/**
 * Growable typed arrays for the builders (doubling; the final views are trimmed).
 * `sizeHint` (bytes of input, when known) sizes them once for typical folded text: pages
 * never written cost nothing, and every copy on growth costs page faults.
 */
export class PackedBuilder {
  ids: Int32Array;
  nIds = 0;
  ends: Int32Array;
  counts: Float64Array;
  befores: Float64Array | undefined;
  length = 0;

  constructor(diff = false, sizeHint = 0) {
    const stacks = Math.max(1 << 12, Math.ceil(sizeHint / 64));
    this.ids = new Int32Array(Math.max(1 << 16, Math.ceil(sizeHint / 8)));
    this.ends = new Int32Array(stacks);
    this.counts = new Float64Array(stacks);
    if (diff) this.befores = new Float64Array(stacks);
  }

  pushId(id: number): void {
    if (this.nIds === this.ids.length) this.ids = grow(this.ids);
    this.ids[this.nIds++] = id;
  }

  /** Ends the stack whose ids were pushed since the last call. */
  endStack(count: number, before = Number.NaN): void {
    if (this.length === this.ends.length) {
      this.ends = grow(this.ends);
      this.counts = grow(this.counts);
      if (this.befores) this.befores = grow(this.befores);
    }
    this.ends[this.length] = this.nIds;
    this.counts[this.length] = count;
    if (this.befores) this.befores[this.length] = before;
    this.length++;
  }

  finish(names: string[]): PackedStacks {
    const p: PackedStacks = {
      names,
      ids: this.ids.subarray(0, this.nIds),
      ends: this.ends.subarray(0, this.length),
      counts: this.counts.subarray(0, this.length),
      length: this.length,
    };
    if (this.befores) p.befores = this.befores.subarray(0, this.length);
    return p;
  }
}

function grow<T extends Int32Array | Float64Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

/** FoldedStack records packed (names interned by value). */
export function packStacks(stacks: readonly FoldedStack[]): PackedStacks {
  const diff = stacks.some((s) => s.before !== undefined);
  const b = new PackedBuilder(diff);
  const byName = new Map<string, number>();
  const names: string[] = [];
  for (const s of stacks) {
    for (const f of s.frames) {
      let id = byName.get(f);
      if (id === undefined) {
        id = names.length;
        names.push(f);
        byName.set(f, id);
      }
      b.pushId(id);
    }
    b.endStack(s.count, s.before ?? Number.NaN);
  }
  return b.finish(names);
}

/** Back to records (--folded, collapse, difffolded). */
export function unpackStacks(p: PackedStacks): FoldedStack[] {
  const out: FoldedStack[] = [];
  let start = 0;
  for (let i = 0; i < p.length; i++) {
    const end = p.ends[i];
    const frames: string[] = new Array(end - start);
    for (let k = start; k < end; k++) frames[k - start] = p.names[p.ids[k]];
    const rec: FoldedStack = { frames, count: p.counts[i] };
    if (p.befores && !Number.isNaN(p.befores[i])) rec.before = p.befores[i];
    out.push(rec);
    start = end;
  }
  return out;
}

/** Each stack's frames reversed, in place (flamegraph.pl --reverse). */
export function reversePacked(p: PackedStacks): PackedStacks {
  let start = 0;
  for (let i = 0; i < p.length; i++) {
    const end = p.ends[i];
    p.ids.subarray(start, end).reverse();
    start = end;
  }
  return p;
}

export function totalPacked(p: PackedStacks): number {
  let t = 0;
  for (let i = 0; i < p.length; i++) t += p.counts[i];
  return t;
}
