// Map element operations on a map fd, with keys and values as Buffers (the layouts are
// the caller's). Thin wrappers that turn libbpf's negative returns into BpfError.
import { libbpf } from "./libbpf.js";
import { BpfError } from "./object.js";

const ENOENT = 2;

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
export function mapDelete(fd: number, key: Buffer): boolean {
  const rc = libbpf().bpf_map_delete_elem(fd, key) as number;
  if (rc === -ENOENT) return false;
  if (rc < 0) throw new BpfError("map delete", -rc);
  return true;
}

/**
 * All keys and values of a hash map: one batch syscall per `chunk` entries where the kernel
 * supports batch ops, else key-by-key iteration.
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
  const inBatch = Buffer.alloc(Math.max(8, keySize));
  const outBatch = Buffer.alloc(Math.max(8, keySize));
  const count = [chunk];
  let first = true;
  for (;;) {
    count[0] = chunk;
    const rc = libbpf().bpf_map_lookup_batch(
      fd,
      first ? null : inBatch,
      outBatch,
      keys,
      values,
      count,
      null,
    ) as number;
    for (let i = 0; i < count[0]; i++) {
      out.push([
        Buffer.from(keys.subarray(i * keySize, (i + 1) * keySize)),
        Buffer.from(values.subarray(i * valueSize, (i + 1) * valueSize)),
      ]);
    }
    if (rc === -ENOENT) return out; // end of map
    if (rc < 0) {
      if (first) return mapEntriesOneByOne(fd, keySize, valueSize);
      throw new BpfError("map lookup batch", -rc);
    }
    outBatch.copy(inBatch);
    first = false;
  }
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
