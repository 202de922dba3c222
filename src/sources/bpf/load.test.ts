// The spec half of spec → load → attach: pure, no kernel, no root.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { BpfObject } from "../../bpf/object.js";
import { bpfObjectPath } from "../../bpf/paths.js";
import { syscallNumber } from "../../platform/syscall-table.js";
import { configBytes, type SpecInput, samplerSpec } from "./load.js";
import { CONFIG } from "./records.js";

const base: SpecInput = {
  selfTgid: 4242,
  countTgid: 4242,
  clockRingBytes: null,
  all: false,
  pids: [7],
  kstack: true,
  ustack: false,
  filename: true,
  args: false,
  flavour: "tp_btf",
};

test("spec: one hook flavour, the iterator, nothing else", () => {
  const s = samplerSpec(base);
  assert.deepEqual(s.hooks, [
    "tp_btf_sys_enter",
    "tp_btf_sys_exit",
    "tp_btf_rq_insert",
    "tp_btf_rq_issue",
    "tp_btf_rq_complete",
    "tp_btf_sched_wakeup",
    "tp_btf_sched_wakeup_new",
    "tp_btf_sched_switch",
  ]);
  assert.deepEqual(
    [...s.histConfig],
    [1, 1, 1, 1],
    "syscall, block I/O and run-queue histograms, pid filter on",
  );
  assert.deepEqual([...samplerSpec({ ...base, pids: null }).histConfig], [1, 1, 1, 0]);
  assert.equal(s.iter, "dump_tasks");
  assert.deepEqual(samplerSpec({ ...base, flavour: "raw_tp" }).hooks[0], "raw_tp_sys_enter");
  assert.deepEqual(samplerSpec({ ...base, flavour: "none" }).programs, ["dump_tasks"]);
  assert.equal(samplerSpec({ ...base, ustack: true }).iter, "dump_tasks_ustack");
  assert.equal(samplerSpec(base).clock, null);
});

test("spec: the in-kernel clock when asked for, never with user stacks; its ring a power of two", () => {
  const s = samplerSpec({ ...base, clockRingBytes: 3_000_000 });
  assert.equal(s.clock, "sample_clock");
  assert.ok(s.programs.includes("sample_clock") && s.programs.includes("dump_tasks"));
  assert.equal(s.ringBytes, 4 << 20);
  assert.equal(samplerSpec({ ...base, clockRingBytes: 10 }).ringBytes, 1 << 20);
  assert.equal(samplerSpec({ ...base, clockRingBytes: 1e12 }).ringBytes, 1 << 28);
  const u = samplerSpec({ ...base, clockRingBytes: 1 << 20, ustack: true });
  assert.equal(u.clock, null);
  assert.ok(!u.programs.includes("sample_clock"));
});

test("config bytes: filters, wants and the fd-syscall table at their declared offsets", () => {
  const c = configBytes(base);
  const o = CONFIG.off;
  assert.equal(c.length, CONFIG.size);
  assert.equal(c.readUInt32LE(o.self_tgid), 4242);
  assert.equal(c.readUInt32LE(o.count_tgid), 4242);
  assert.deepEqual([c[o.filter_pids], c[o.all_tasks], c[o.want_kstack], c[o.want_ustack]], [1, 0, 1, 0]);
  assert.equal(c[o.want_args], 1, "filename needs the fd argument");
  assert.equal(c[o.fd_syscalls + syscallNumber("read")!], 1);
  assert.equal(c[o.fd_syscalls + syscallNumber("nanosleep")!], 0);
  assert.equal(configBytes({ ...base, pids: null })[o.filter_pids], 0);
});

const built = existsSync(bpfObjectPath("sampler"));
test("the object opens without the kernel and has every program the specs name", {
  skip: built ? false : "build/bpf not built",
}, () => {
  const obj = BpfObject.open(bpfObjectPath("sampler"));
  try {
    const names = new Set(obj.programNames());
    for (const flavour of ["tp_btf", "raw_tp"] as const) {
      for (const p of samplerSpec({ ...base, flavour, ustack: true }).programs) assert.ok(names.has(p), p);
      for (const p of samplerSpec({ ...base, flavour, clockRingBytes: 1 }).programs)
        assert.ok(names.has(p), p);
    }
    assert.equal(obj.section("sample_clock"), "perf_event");
    assert.equal(obj.section("tp_btf_sys_enter"), "tp_btf/sys_enter");
    assert.equal(obj.section("dump_tasks_ustack"), "iter.s/task");
  } finally {
    obj.close();
  }
});
