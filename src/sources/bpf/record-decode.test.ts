import assert from "node:assert/strict";
import { test } from "node:test";
import { namedDecoder, recordLayout } from "./record-decode.js";

// Offsets worked out by hand from C's rules for
//   struct { __u64 ts; __u32 pid; __s32 ret; __u8 op; __u8 pad[3]; __u16 w[2]; char comm[16]; __s64 v; }
// ts 0, pid 8, ret 12, op 16, pad 17, w 20, comm 24, v 40, size 48.
const REC = recordLayout("rec", [
  ["ts", "u64"],
  ["pid", "u32"],
  ["ret", "s32"],
  ["op", "u8"],
  ["pad", { array: "u8", len: 3 }],
  ["w", { array: "u16", len: 2 }],
  ["comm", { array: "char", len: 16 }],
  ["v", "s64"],
]);

test("recordLayout: C offsets, and every field read back by its type", () => {
  assert.equal(REC.size, 48);
  assert.deepEqual(REC.off, { ts: 0, pid: 8, ret: 12, op: 16, pad: 17, w: 20, comm: 24, v: 40 });
  const b = Buffer.alloc(64, 0xee); // a record at offset 8 of a larger buffer
  b.fill(0, 8, 56);
  b.writeBigUInt64LE(123456789012345n, 8);
  b.writeUInt32LE(4000000000, 16);
  b.writeInt32LE(-13, 20);
  b.writeUInt8(2, 24);
  b.writeUInt16LE(7, 28);
  b.writeUInt16LE(65535, 30);
  b.write("mount", 32);
  b.writeBigInt64LE(-5n, 48);
  assert.deepEqual(REC.decode(b, 8), {
    ts: 123456789012345n,
    pid: 4000000000,
    ret: -13,
    op: 2,
    pad: [0, 0, 0],
    w: [7, 65535],
    comm: "mount",
    v: -5n,
  });
});

test("namedDecoder: padding left out, the index field named, the fallback past the table", () => {
  const NAMES = ["open", "openat", "openat2"] as const;
  const decode = namedDecoder(REC, "op", NAMES, "openat");
  const b = Buffer.alloc(48);
  b.writeUInt32LE(42, 8);
  b.writeUInt8(2, 16);
  b.fill(0xff, 17, 20); // padding: must not show
  b.write("cat", 24);
  const e = decode(b, 0);
  assert.deepEqual(e, { ts: 0n, pid: 42, ret: 0, op: "openat2", w: [0, 0], comm: "cat", v: 0n });
  b.writeUInt8(9, 16);
  assert.equal(decode(b, 0).op, "openat");
});
