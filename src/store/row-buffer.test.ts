// RowBuffer: every byte of every line, in order, across growth, with multi-byte UTF-8.
import assert from "node:assert/strict";
import { test } from "node:test";
import { RowBuffer } from "./row-buffer.js";

test("RowBuffer keeps every line through growth, UTF-8 encoded, and starts over after take", () => {
  const r = new RowBuffer();
  const lines = Array.from({ length: 5000 }, (_, i) => `${i},prozeß-ü€${"x".repeat(i % 97)},😀\n`);
  for (const l of lines) r.put(l);
  assert.equal(r.take().toString("utf8"), lines.join(""));
  assert.equal(r.length, 0);
  r.put("a\n");
  assert.equal(r.take().toString("utf8"), "a\n");
});
