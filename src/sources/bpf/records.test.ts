import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { HEADER_PATH } from "./gen-header.js";
import { cHeader, cString, layout, TASK_REC } from "./records.js";

test("the C header is the one generated from records.ts", () => {
  const onDisk = readFileSync(HEADER_PATH, "utf8");
  assert.equal(onDisk, cHeader(), "run: node dist/src/sources/bpf/gen-header.js");
});

test("layout follows C alignment: padding before wide fields and at the tail", () => {
  const l = layout("t", [
    ["a", "u8"],
    ["b", "u64"],
    ["c", "u16"],
    ["d", { array: "char", len: 3 }],
  ] as const);
  // a@0, 7 bytes pad, b@8, c@16, d@18..20, tail padded to a multiple of 8.
  assert.deepEqual(l.off, { a: 0, b: 8, c: 16, d: 18 });
  assert.equal(l.size, 24);
});

test("task records are 8-byte multiples so back-to-back records stay aligned", () => {
  assert.equal(TASK_REC.size % 8, 0);
  assert.equal(TASK_REC.off.kind, 0);
  assert.equal(TASK_REC.off.size, 4);
});

test("cString stops at NUL or at the field's length", () => {
  const b = Buffer.from("abc\0def\0ghijklmn", "latin1");
  assert.equal(cString(b, 0, 8), "abc");
  assert.equal(cString(b, 4, 3), "def");
  assert.equal(cString(b, 8, 4), "ghij");
});
