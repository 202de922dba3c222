// Map element operations on a map fd, with keys and values as Buffers (the layouts are
// the caller's). Thin wrappers that turn libbpf's negative returns into BpfError.
import { libbpf } from "./libbpf.js";
import { BpfError } from "./object.js";

const ENOENT = 2;
const ENOSPC = 28;

export function mapUpdate(fd: number, key: Buffer, value: Buffer, flags = 0): void {
  const rc = libbpf().bpf_map_update_elem(fd, key, value, flags) as number;
  if (rc < 0) throw new BpfError("map update", -rc);
}

/** Fills `value`; false when the key is absent. */
export function mapLookup(fd: number, key: Buffer, value: Buffer): boolean {
  const rc = libbpf().bpf_map_lookup_elem(fd, key, value) as number;
  if (rc === -ENOENT) return false;
  if (rc < 0) throw new BpfError("map lookup", -rc);
  return true;
}

/** Deletes a key; false when it was absent. */
/** The u64 at `index` of an array map (a counter), 0 when the lookup fails. */
export function arrayU64(fd: number, index: number): number {
  const k = Buffer.alloc(4);
  k.writeUInt32LE(index);
  const v = Buffer.alloc(8);
  return mapLookup(fd, k, v) ? Number(v.readBigUInt64LE()) : 0;
}

export function mapDelete(fd: number, key: Buffer): boolean {
  const rc = libbpf().bpf_map_delete_elem(fd, key) as number;
  if (rc === -ENOENT) return false;
  if (rc < 0) throw new BpfError("map delete", -rc);
  return true;
}

/**
 * All keys and values of a hash map: one batch syscall per `chunk` entries where the kernel
 * supports batch ops, else key-by-key iteration. The entries of a batch are views of one
 * copy (no small pooled Buffer per entry: those pin the pool's 8 KB slabs).
 */
export function mapEntries(
  fd: number,
  keySize: number,
  valueSize: number,
  chunk = 256,
  /** Reusable batch buffers (callers reading large values every round avoid re-allocating). */
  scratch?: { keys: Buffer; values: Buffer },
): [Buffer, Buffer][] {
  const out: [Buffer, Buffer][] = [];
  const keys =
    scratch && scratch.keys.length >= keySize * chunk ? scratch.keys : Buffer.alloc(keySize * chunk);
  const values =
    scratch && scratch.values.length >= valueSize * chunk ? scratch.values : Buffer.alloc(valueSize * chunk);
  const batched = lookupBatches(
    fd,
    keySize,
    (n) => {
      const k = Buffer.allocUnsafeSlow(n * keySize);
      const v = Buffer.allocUnsafeSlow(n * valueSize);
      keys.copy(k, 0, 0, n * keySize);
      values.copy(v, 0, 0, n * valueSize);
      for (let i = 0; i < n; i++)
        out.push([
          k.subarray(i * keySize, (i + 1) * keySize),
          v.subarray(i * valueSize, (i + 1) * valueSize),
        ]);
      return { keys, values, room: chunk };
    },
    { keys, values, room: chunk },
  );
  return batched ? out : mapEntriesOneByOne(fd, keySize, valueSize);
}

/**
 * Every entry of a hash map into caller-owned `keys`/`values` (entry i at i × size), with
 * no allocation: the number of entries read, at most what the buffers hold (size them for
 * the map's max_entries). Without kernel batch ops: key by key.
 */
export function mapEntriesInto(
  fd: number,
  keySize: number,
  valueSize: number,
  keys: Buffer,
  values: Buffer,
  chunk = 256,
): number {
  const cap = Math.min(Math.floor(keys.length / keySize), Math.floor(values.length / valueSize));
  let n = 0;
  const at = () => ({
    keys: keys.subarray(n * keySize),
    values: values.subarray(n * valueSize),
    room: Math.min(chunk, cap - n),
  });
  const batched = lookupBatches(
    fd,
    keySize,
    (got) => {
      n += got;
      return at();
    },
    at(),
  );
  if (batched) return n;
  n = 0;
  for (const [k, v] of mapEntriesOneByOne(fd, keySize, valueSize)) {
    if (n === cap) break;
    k.copy(keys, n * keySize);
    v.copy(values, n * valueSize);
    n++;
  }
  return n;
}

interface BatchTarget {
  keys: Buffer;
  values: Buffer;
  /** Entries the next batch may hold (0: stop). */
  room: number;
}

/**
 * Reads and deletes every entry of a hash map, `chunk` entries at a time into caller-owned
 * `keys`/`values` (room for `chunk` entries each), calling `got(count)` after each chunk
 * (the buffers are reused by the next). Entries added meanwhile may or may not be taken.
 * Returns the entries taken. Without kernel batch ops: key by key (lookup, then delete).
 */
export function mapTakeChunks(
  fd: number,
  keySize: number,
  valueSize: number,
  keys: Buffer,
  values: Buffer,
  chunk: number,
  got: (count: number) => void,
): number {
  let total = 0;
  const batched = lookupBatches(
    fd,
    keySize,
    (n) => {
      total += n;
      if (n > 0) got(n);
      return { keys, values, room: chunk };
    },
    { keys, values, room: chunk },
    "bpf_map_lookup_and_delete_batch",
  );
  if (batched) return total;
  for (const [k, v] of mapEntriesOneByOne(fd, keySize, valueSize)) {
    if (!mapDelete(fd, k)) continue; // taken by someone else
    k.copy(keys, 0);
    v.copy(values, 0);
    got(1);
    total++;
  }
  return total;
}

/**
 * bpf_map_lookup_batch (or `op`: its lookup-and-delete twin) from the start of the map to
 * its end: each batch goes to `first` then to what `got(count)` returns. False when the
 * kernel has no batch ops for this map.
 */
function lookupBatches(
  fd: number,
  keySize: number,
  got: (count: number) => BatchTarget,
  first: BatchTarget,
  op: "bpf_map_lookup_batch" | "bpf_map_lookup_and_delete_batch" = "bpf_map_lookup_batch",
): boolean {
  const inBatch = Buffer.alloc(Math.max(8, keySize));
  const outBatch = Buffer.alloc(Math.max(8, keySize));
  const count = [0];
  let target = first;
  let start = true;
  while (target.room > 0) {
    count[0] = target.room;
    const rc = libbpf()[op](
      fd,
      start ? null : inBatch,
      outBatch,
      target.keys,
      target.values,
      count,
      null,
    ) as number;
    if (rc < 0 && rc !== -ENOENT && rc !== -ENOSPC && start) return false;
    // ENOSPC: the next hash bucket holds more entries than the room left (an arena nearly
    // full); the kernel copied nothing this time, and what fits was read.
    if (rc === -ENOSPC) return true;
    target = got(count[0]);
    if (rc === -ENOENT) return true; // end of map
    if (rc < 0)
      throw new BpfError(
        op === "bpf_map_lookup_batch" ? "map lookup batch" : "map lookup and delete batch",
        -rc,
      );
    outBatch.copy(inBatch);
    start = false;
  }
  return true;
}

function mapEntriesOneByOne(fd: number, keySize: number, valueSize: number): [Buffer, Buffer][] {
  const out: [Buffer, Buffer][] = [];
  let key: Buffer | null = null;
  for (;;) {
    const next = Buffer.alloc(keySize);
    const rc = libbpf().bpf_map_get_next_key(fd, key, next) as number;
    if (rc < 0) break;
    const value = Buffer.alloc(valueSize);
    if (mapLookup(fd, next, value)) out.push([next, value]);
    key = next;
  }
  return out;
}
