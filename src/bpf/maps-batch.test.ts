// Batch reads of a real BPF hash map (test/bpf/hash-map.bpf.c: u32 → 148 bytes, the
// run-queue histogram's shape): mapEntriesInto fills caller-owned arenas without
// allocating, and stops at their capacity; mapEntries hands out views of one copy per
// batch (not a small pooled Buffer per entry, which pinned 8 KiB slabs in a soak). The
// truth is what the test wrote: value of key k = bytes (k + i) & 0xff.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bpfWitnessUnavailable, compileTestBpf } from "../testkit/bpf-witness.js";
import { setPrint } from "./libbpf.js";
import { mapEntries, mapEntriesInto, mapUpdate } from "./maps.js";
import { BpfObject } from "./object.js";

const VALUE = 148;
const skip = bpfWitnessUnavailable() ?? false;

function valueFor(k: number): Buffer {
  const v = Buffer.alloc(VALUE);
  for (let i = 0; i < VALUE; i++) v[i] = (k + i) & 0xff;
  return v;
}

function withTable(n: number, body: (fd: number) => void): void {
  setPrint(null);
  const obj = BpfObject.open(compileTestBpf("hash-map"));
  try {
    obj.load();
    const fd = obj.mapFd("table");
    const key = Buffer.alloc(4);
    for (let k = 5000; k < 5000 + n; k++) {
      key.writeUInt32LE(k);
      mapUpdate(fd, key, valueFor(k));
    }
    body(fd);
  } finally {
    obj.close();
  }
}

test("mapEntriesInto: every entry, in batches, into the arena; values byte for byte", { skip }, () => {
  withTable(700, (fd) => {
    const keys = Buffer.alloc(4 * 1024);
    const values = Buffer.alloc(VALUE * 1024);
    const n = mapEntriesInto(fd, 4, VALUE, keys, values, 64); // 11 batches
    assert.equal(n, 700);
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) {
      const k = keys.readUInt32LE(4 * i);
      assert.ok(k >= 5000 && k < 5700, `key ${k}`);
      assert.ok(values.subarray(i * VALUE, (i + 1) * VALUE).equals(valueFor(k)), `value of ${k}`);
      seen.add(k);
    }
    assert.equal(seen.size, 700, "no key twice");
    // Read again into the same arena: the same entries (the second read reuses it).
    assert.equal(mapEntriesInto(fd, 4, VALUE, keys, values, 256), 700);
  });
});

test("mapEntriesInto: an arena smaller than the map gets what fits, each entry whole", { skip }, () => {
  withTable(300, (fd) => {
    const keys = Buffer.alloc(4 * 100);
    const values = Buffer.alloc(VALUE * 100);
    const n = mapEntriesInto(fd, 4, VALUE, keys, values, 64);
    assert.equal(n, 100);
    for (let i = 0; i < n; i++) {
      const k = keys.readUInt32LE(4 * i);
      assert.ok(values.subarray(i * VALUE, (i + 1) * VALUE).equals(valueFor(k)), `value of ${k}`);
    }
  });
});

test("mapEntriesInto on an empty map: 0", { skip }, () => {
  withTable(0, (fd) => {
    assert.equal(mapEntriesInto(fd, 4, VALUE, Buffer.alloc(40), Buffer.alloc(VALUE * 10)), 0);
  });
});

test("mapEntries: copies the scratch cannot change, one allocation per batch", { skip }, () => {
  withTable(200, (fd) => {
    const scratch = { keys: Buffer.alloc(4 * 64), values: Buffer.alloc(VALUE * 64) };
    const all = mapEntries(fd, 4, VALUE, 64, scratch);
    assert.equal(all.length, 200);
    scratch.values.fill(0xee); // the caller reuses its scratch: the results must not move
    for (const [k, v] of all) assert.ok(v.equals(valueFor(k.readUInt32LE())), `value of ${k.readUInt32LE()}`);
    // The first batch's 64 values share one backing store of exactly 64 values: no 8 KiB
    // pool slab per handful of entries.
    assert.equal(all[0]![1].buffer, all[63]![1].buffer);
    assert.equal(all[0]![1].buffer.byteLength, 64 * VALUE);
    assert.notEqual(all[0]![1].buffer, all[64]![1].buffer);
  });
});
