// parseSize (capture --max-size): binary units, written the ways people write them. The
// expected byte counts are written out as powers of two, not computed by the code.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSize } from "./retention.js";

test("plain bytes and binary units, any case, with or without i/B", () => {
  const cases: [string, number][] = [
    ["0", 0],
    ["123", 123],
    ["123B", 123],
    ["10k", 10 * 1024],
    ["10K", 10 * 1024],
    ["10KiB", 10 * 1024],
    ["10kb", 10 * 1024],
    ["500M", 500 * 1024 * 1024],
    ["500MiB", 500 * 1024 * 1024],
    ["5G", 5 * 1024 ** 3],
    ["5g", 5 * 1024 ** 3],
    ["5GB", 5 * 1024 ** 3],
    ["2T", 2 * 1024 ** 4],
    [" 5G ", 5 * 1024 ** 3],
    ["5 G", 5 * 1024 ** 3],
  ];
  for (const [text, bytes] of cases) assert.equal(parseSize(text), bytes, text);
});

test("decimals are rounded down to whole bytes", () => {
  assert.equal(parseSize("1.5G"), 1.5 * 1024 ** 3);
  assert.equal(parseSize("0.5k"), 512);
  assert.equal(parseSize("1.3k"), 1331); // 1331.2
  assert.equal(parseSize("2.9"), 2);
});

test("anything else is null (the caller says what was wrong)", () => {
  for (const bad of ["", "G", "-5G", "5X", "5GG", "5Gi B", "five", "5e3", "0x10", "5i", "5iB", "1,5G", ".5G"])
    assert.equal(parseSize(bad), null, bad);
});
