import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { KallsymsParser, kernelSymbols, parseKallsyms } from "./kallsyms.js";

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

test("the parser gives the same symbols however the text is cut into reads", () => {
  const bytes = Buffer.from(`${FIXTURE}ffffffff83000000 T last_without_newline`, "latin1");
  const probes = [0xffffffff81000180n, 0xffffffff82000020n, 0xffffffffc0201008n, 0xffffffff83000004n];
  const whole = parseKallsyms(bytes.toString("latin1"));
  assert.deepEqual(
    probes.map((a) => whole.symbolize(a)),
    ["helper+0x80", "schedule+0x10", "mod_fn+0x8", "last_without_newline+0x4"],
  );
  for (let cut = 1; cut < 40; cut++) {
    const p = new KallsymsParser();
    const buf = Buffer.alloc(bytes.length);
    let len = 0;
    for (let at = 0; at < bytes.length; at += cut) {
      len += bytes.copy(buf, len, at, Math.min(bytes.length, at + cut));
      const rest = p.push(buf, len);
      buf.copy(buf, 0, rest, len);
      len -= rest;
    }
    const k = p.finish(buf, len);
    assert.deepEqual(
      probes.map((a) => k.symbolize(a)),
      probes.map((a) => whole.symbolize(a)),
      `reads of ${cut} bytes`,
    );
    assert.ok(k.inSchedText(0xffffffff82000020n));
  }
});

test("the running kernel's symbols: every text symbol of /proc/kallsyms names its own address", {
  skip: process.getuid?.() !== 0 ? "needs root to see kallsyms addresses" : false,
}, () => {
  // Where several text symbols share an address, any of them is right.
  const byAddr = new Map<string, Set<string>>();
  for (const l of readFileSync("/proc/kallsyms", "latin1").split("\n")) {
    const m = /^(ffffffff[0-9a-f]{8}) [tTwW] ([^\t]+)/.exec(l);
    if (!m || m[1] === "ffffffff00000000") continue;
    if (!byAddr.has(m[1])) byAddr.set(m[1], new Set());
    byAddr.get(m[1])!.add(m[2]);
  }
  const k = kernelSymbols();
  let n = 0;
  for (const [addr, names] of byAddr) {
    const got = k.symbolize(BigInt(`0x${addr}`));
    assert.ok(
      got.endsWith("+0x0") && names.has(got.slice(0, -4)),
      `${addr}: ${got} not one of ${[...names]}`,
    );
    n++;
  }
  assert.ok(n > 1000, `only ${n} text symbols`);
});

test("symbols listed out of address order (BPF programs and modules loaded later) are sorted", () => {
  const k = parseKallsyms(
    [
      "ffffffffc0300000 t bpf_prog_1_a\t[bpf]",
      "ffffffff81000000 T _stext",
      "ffffffffc0100000 t mod_b\t[m]",
      "ffffffff81000000 T _stext_alias",
      "ffffffff82000000 T late",
      "",
    ].join("\n"),
  );
  assert.equal(k.symbolize(0xffffffffc0300010n), "bpf_prog_1_a+0x10");
  assert.equal(k.symbolize(0xffffffffc0100004n), "mod_b+0x4");
  assert.equal(k.symbolize(0xffffffff82000001n), "late+0x1");
  assert.match(k.symbolize(0xffffffff81000002n), /^_stext(_alias)?\+0x2$/);
  assert.equal(k.size, 5);
});
