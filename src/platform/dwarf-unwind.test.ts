// The unwinder on stacks built by hand from known frames (the truth is the construction):
// CFA from rsp and from rbp, a saved rbp carried to the caller's rule, callers looked up
// at the call instruction (return address - 1), the outermost frame (return address
// undefined), a copy that ends mid-stack, a frame-pointer step where no CFI covers the
// address, and a frame that would not move the stack up.
import assert from "node:assert/strict";
import { test } from "node:test";
import { unwindStack } from "./dwarf-unwind.js";
import type { CfiRow, RegRule } from "./eh-frame.js";

const S = 0x7ffd_0000_0000;
const row = (cfa: { reg: number; off: number }, regs: [number, RegRule][]): CfiRow => ({
  cfa,
  regs: new Map(regs),
  ra: 16,
  signal: false,
});
/** Functions by address range: A [0x1000, 0x1100), B [0x2000, 0x2005), C [0x3000, 0x3100). */
const A = row({ reg: 7, off: 16 }, [[16, { k: "off", n: -8 }]]); // sub $8,%rsp after the call
const B = row({ reg: 6, off: 16 }, [
  [6, { k: "off", n: -16 }],
  [16, { k: "off", n: -8 }],
]); // push %rbp; mov %rsp,%rbp
const C = row({ reg: 7, off: 8 }, [[16, { k: "u" }]]); // _start: the return address is undefined
const asked: number[] = [];
const lookup = (pc: number) => {
  asked.push(pc);
  if (pc >= 0x1000 && pc < 0x1100) return A;
  if (pc >= 0x2000 && pc < 0x2005) return B;
  if (pc >= 0x3000 && pc < 0x3100) return C;
  return null;
};

/** Stack memory from S: u64 words. */
function stack(words: number[]): Buffer {
  const b = Buffer.alloc(words.length * 8);
  words.forEach((w, i) => {
    b.writeBigUInt64LE(BigInt(w), i * 8);
  });
  return b;
}

// A's frame: [S] A's local, [S+8] return into B (0x2005: B's last byte is the call).
// B's frame (rbp = S+16): [S+16] caller's rbp, [S+24] return into C (0x3010).
const words = [0xdead, 0x2005, 0x1234, 0x3010, 0, 0];

test("CFA from rsp, then from rbp; callers looked up at their call instruction; stops at the outermost frame", () => {
  asked.length = 0;
  const r = unwindStack({ ip: 0x1010, sp: S, bp: S + 16 }, { start: S, bytes: stack(words) }, lookup);
  assert.deepEqual(r.pcs, [0x1010, 0x2005, 0x3010]);
  assert.equal(r.end, "outermost");
  assert.deepEqual(asked, [0x1010, 0x2004, 0x300f]);
});

test("a copy that ends before a saved return address stops there with the frames so far", () => {
  const r = unwindStack(
    { ip: 0x1010, sp: S, bp: S + 16 },
    { start: S, bytes: stack(words).subarray(0, 24) },
    lookup,
  );
  assert.deepEqual(r.pcs, [0x1010, 0x2005]);
  assert.equal(r.end, "stack-end");
});

test("no CFI at an address: one frame-pointer step ([bp] caller's bp, [bp+8] return address)", () => {
  // ip 0x9000 is covered by nothing (JIT code): bp = S+16 holds 0x1234 and the return 0x3010.
  const r = unwindStack({ ip: 0x9000, sp: S + 8, bp: S + 16 }, { start: S, bytes: stack(words) }, lookup);
  assert.deepEqual(r.pcs, [0x9000, 0x3010]);
  assert.equal(r.end, "outermost");
});

test("a frame that does not move the stack up ends the walk; so does the depth limit", () => {
  const still = row({ reg: 7, off: 0 }, [[16, { k: "valoff", n: 0x1000 }]]);
  const r = unwindStack({ ip: 0x1010, sp: S, bp: 0 }, { start: S, bytes: stack(words) }, () => still);
  assert.equal(r.end, "bad-frame");
  assert.equal(r.pcs.length, 1);
  // A loop of frames each 16 bytes up, 8 frames deep at most.
  const up = row({ reg: 7, off: 16 }, [[16, { k: "off", n: -8 }]]);
  const loop = stack(Array.from({ length: 40 }, (_, i) => (i % 2 ? 0x1010 : 0)));
  const d = unwindStack({ ip: 0x1010, sp: S, bp: 0 }, { start: S, bytes: loop }, () => up, 8);
  assert.equal(d.end, "depth");
  assert.equal(d.pcs.length, 8);
});
