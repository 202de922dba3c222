import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { kernelSymbols, parseKallsyms } from "./kallsyms.js";

const FIXTURE = [
  "0000000000000000 A fixed_percpu_data",
  "ffffffff81000000 T _stext",
  "ffffffff81000100 t helper",
  "ffffffff81000200 D some_data",
  "ffffffff82000000 T __sched_text_start",
  "ffffffff82000010 T schedule",
  "ffffffff82000100 T __sched_text_end",
  "ffffffffc0201000 t mod_fn\t[kvm]",
  "",
].join("\n");

test("symbolize: nearest text symbol at or below, offset in hex; data and low addresses skipped", () => {
  const k = parseKallsyms(FIXTURE);
  assert.equal(k.symbolize(0xffffffff81000000n), "_stext+0x0");
  assert.equal(k.symbolize(0xffffffff81000234n), "helper+0x134"); // some_data is data, not text
  assert.equal(k.symbolize(0xffffffffc0201008n), "mod_fn+0x8");
  assert.equal(k.symbolize(0xffffffff80000000n), "0xffffffff80000000");
  assert.equal(k.symbolize(0x401000n), "0x401000");
  assert.ok(k.inSchedText(0xffffffff82000020n));
  assert.ok(!k.inSchedText(0xffffffff82000100n));
});

test("the running kernel's symbols resolve their own addresses", {
  skip: process.getuid?.() !== 0 ? "needs root to see kallsyms addresses" : false,
}, () => {
  const line = readFileSync("/proc/kallsyms", "latin1")
    .split("\n")
    .find((l) => / T do_nanosleep$| t do_nanosleep$/.test(l));
  if (!line) return;
  const addr = BigInt(`0x${line.split(" ")[0]}`);
  assert.equal(kernelSymbols().symbolize(addr + 5n), "do_nanosleep+0x5");
});
