// The spec half of spec → load → attach: pure, no kernel, no root.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { BpfObject } from "../../bpf/object.js";
import { bpfObjectPath } from "../../bpf/paths.js";
import type { FeatureName } from "../../bpf/probes.js";
import { syscallNumber } from "../../platform/syscall-table.js";
import {
  type BaseInput,
  chooseVariant,
  configBytes,
  fallbackChain,
  type SpecInput,
  samplerSpec,
} from "./load.js";
import { CONFIG } from "./records.js";
import { HIST_CONFIG_SECTION, HOOKS, MAPS, PROGRAMS } from "./sampler-object.js";

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
test("the declared names and the object agree both ways: programs, their sections, maps", {
  skip: built ? false : "build/bpf not built",
}, () => {
  const obj = BpfObject.open(bpfObjectPath("sampler"));
  try {
    const inObject = new Set(obj.programNames());
    const declared = new Set<string>();
    for (const h of Object.values(HOOKS)) {
      for (const flavour of ["tp_btf", "raw_tp"] as const) {
        declared.add(h[flavour]);
        assert.equal(obj.section(h[flavour]), `${flavour}/${h.tracepoint}`, h[flavour]);
      }
    }
    for (const p of Object.values(PROGRAMS)) {
      declared.add(p.name);
      assert.equal(obj.section(p.name), p.section, p.name);
    }
    assert.deepEqual([...inObject].sort(), [...declared].sort(), "every program of the object is declared");
    const maps = new Set(obj.mapNames());
    for (const m of Object.values(MAPS)) assert.ok(maps.has(m), `map ${m}`);
    assert.ok(maps.has(HIST_CONFIG_SECTION), HIST_CONFIG_SECTION);
    for (const flavour of ["tp_btf", "raw_tp"] as const) {
      for (const p of samplerSpec({ ...base, flavour, ustack: true }).programs) assert.ok(inObject.has(p), p);
      for (const p of samplerSpec({ ...base, flavour, clockRingBytes: 1 }).programs)
        assert.ok(inObject.has(p), p);
    }
  } finally {
    obj.close();
  }
});

const wanted: BaseInput = { ...base, clockRingBytes: 1 << 20, ustack: false };
const probes =
  (missing: FeatureName[]) =>
  (f: FeatureName): { ok: boolean; reason: string } =>
    missing.includes(f) ? { ok: false, reason: `no ${f} here` } : { ok: true, reason: "works" };

test("variant choice from probe results: the richest the probes allow, each step down said why", () => {
  const all = chooseVariant(wanted, probes([]));
  assert.equal(all.input.flavour, "tp_btf");
  assert.equal(all.input.clockRingBytes, 1 << 20);
  assert.deepEqual(all.skipped, []);

  const noBtf = chooseVariant(wanted, probes(["tp_btf_block"]));
  assert.equal(noBtf.input.flavour, "raw_tp");
  assert.match(noBtf.skipped[0], /^tp_btf: .*no tp_btf_block here/);

  const bare = chooseVariant(wanted, probes(["tp_btf", "raw_tp", "task_iter_open"]));
  assert.equal(bare.input.flavour, "none");
  assert.equal(bare.input.clockRingBytes, null, "no open-coded task iterator: no in-kernel clock");
  assert.equal(bare.skipped.length, 3);

  const u = chooseVariant({ ...wanted, ustack: true }, probes(["task_iter_sleepable"]));
  assert.equal(u.input.ustack, false);
  assert.equal(u.input.clockRingBytes, 1 << 20, "without user stacks the clock is possible again");
  assert.equal(chooseVariant(wanted, probes(["tp_btf"]), "none").input.flavour, "none", "forced");
});

test("after an unexpected load failure: poorer variants only, richest first, never the same one", () => {
  const v: SpecInput = { ...wanted, flavour: "tp_btf" };
  const chain = fallbackChain(v).map((x) => `${x.flavour}${x.clockRingBytes === null ? "" : "+clock"}`);
  assert.deepEqual(chain, ["tp_btf", "raw_tp+clock", "raw_tp", "none+clock", "none"]);
  assert.deepEqual(
    fallbackChain({ ...v, flavour: "none", clockRingBytes: null }),
    [],
    "nothing poorer than the iterator alone",
  );
});
