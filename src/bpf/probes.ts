// Feature probes: for each program type and attach point tsnap uses, a real load and
// attach of a tiny program from build/bpf/probes.bpf.o (all other programs disabled before
// load). Results are cached per process, and the successes for the rest of the boot
// (probe-cache.ts: root only). A failure is a reason in plain words, never a version
// comparison.

import { closeSync, existsSync, readFileSync, readSync } from "node:fs";
import { NotSupported } from "../errors.js";
import { dynamicSymbolOffset } from "../platform/elf.js";
import { missingObjectAdvice } from "../platform/installation.js";
import { Collection } from "./collection.js";
import { errno as lastErrno, libbpf, perfEventOpen } from "./libbpf.js";
import { BpfError, type Link } from "./object.js";
import { bpfObjectPath } from "./paths.js";
import {
  type ProbeCacheKey,
  probeCacheDir,
  probeCacheKey,
  readProbeCache,
  writeProbeCache,
} from "./probe-cache.js";

export type FeatureName =
  | "tp_btf"
  | "raw_tp"
  | "tracepoint"
  | "tp_btf_block"
  | "tp_btf_sched"
  | "task_iter"
  | "task_iter_sleepable"
  | "task_iter_open"
  | "task_storage"
  | "ringbuf"
  | "task_stack"
  | "perf_event"
  | "uprobe"
  | "kprobe"
  | "fentry";

interface FeatureSpec {
  prog: string;
  what: string;
  attach: "plain" | "iter" | "perf" | "uprobe";
}

/** Every feature, its probe program, and what it is in words. */
export const FEATURES: Readonly<Record<FeatureName, FeatureSpec>> = {
  tp_btf: { prog: "probe_tp_btf", what: "BTF-typed raw tracepoint (tp_btf/sys_enter)", attach: "plain" },
  raw_tp: { prog: "probe_raw_tp", what: "raw tracepoint (raw_tp/sys_enter)", attach: "plain" },
  tracepoint: { prog: "probe_tracepoint", what: "tracepoint (sched/sched_switch)", attach: "plain" },
  tp_btf_block: { prog: "probe_block_rq", what: "tp_btf/block_rq_issue", attach: "plain" },
  tp_btf_sched: { prog: "probe_sched_switch", what: "tp_btf/sched_switch", attach: "plain" },
  task_iter: { prog: "probe_task_iter", what: "BPF task iterator (iter/task)", attach: "iter" },
  task_iter_sleepable: {
    prog: "probe_task_iter_sleepable",
    what: "sleepable task iterator (iter.s/task)",
    attach: "iter",
  },
  task_iter_open: {
    prog: "probe_task_iter_open",
    what: "open-coded task iterator in a perf_event program (the in-kernel clock)",
    attach: "perf",
  },
  task_storage: { prog: "probe_task_storage", what: "task local storage", attach: "plain" },
  ringbuf: { prog: "probe_ringbuf_prog", what: "BPF ring buffer", attach: "plain" },
  task_stack: { prog: "probe_task_stack", what: "bpf_get_task_stack in an iterator", attach: "iter" },
  perf_event: { prog: "probe_perf_event", what: "perf_event program on a cpu-clock event", attach: "perf" },
  uprobe: { prog: "probe_uprobe", what: "uprobe (libc getpid)", attach: "uprobe" },
  kprobe: { prog: "probe_kprobe", what: "kprobe (do_nanosleep)", attach: "plain" },
  fentry: { prog: "probe_fentry", what: "fentry (do_nanosleep)", attach: "plain" },
};

export interface ProbeResult {
  feature: FeatureName;
  ok: boolean;
  /** "works", or why not in one line. */
  reason: string;
  ms: number;
}

const cache = new Map<FeatureName, ProbeResult>();

/** This boot's cached successes (probe-cache.ts), read once; null: no boot cache in use. */
let boot: { dir: string; key: ProbeCacheKey; works: Set<string> } | null | undefined;
let bootCacheOn = true;

/**
 * Whether probes may answer from the boot cache (default yes). `tsnap doctor` turns it off:
 * it probes for real, and its successes refresh the cache.
 */
export function useBootCache(on: boolean): void {
  bootCacheOn = on;
}

function bootCache(): typeof boot {
  if (boot === undefined) {
    const dir = probeCacheDir();
    const key = dir === null ? null : probeCacheKey(bpfObjectPath("probes"));
    boot =
      dir === null || key === null
        ? null
        : { dir, key, works: readProbeCache(dir, key, new Set(Object.keys(FEATURES))) ?? new Set() };
  }
  return boot;
}

/** The boot cache's answer for `feature` (successes only), or undefined. */
function fromBootCache(feature: FeatureName): ProbeResult | undefined {
  if (!bootCacheOn || !bootCache()?.works.has(feature)) return undefined;
  const result: ProbeResult = { feature, ok: true, reason: "works", ms: 0 };
  cache.set(feature, result);
  return result;
}

/** Adds successes to the boot cache (one write, only when something is new). */
function persist(features: readonly FeatureName[]): void {
  const b = bootCache();
  if (!b) return;
  const before = b.works.size;
  for (const f of features) b.works.add(f);
  if (b.works.size !== before) writeProbeCache(b.dir, b.key, b.works);
}

/**
 * Which of a tool's tp_btf/raw_tp program pairs to load: "tp_btf" when `tpBtf` (the probe
 * of the tracepoints it hooks) loads here, else "raw_tp"; NotSupported naming `tool`.
 */
export function hookPair(tool: string, tpBtf: FeatureName): "tp_btf" | "raw_tp" {
  if (probe(tpBtf).ok) return "tp_btf";
  const raw = probe("raw_tp");
  if (raw.ok) return "raw_tp";
  throw new NotSupported(tool, `neither tp_btf nor raw_tp programs load here: ${raw.reason}`);
}

/** The programs TP_BTF_OR_RAW_TP(tp, name, ...) (kernel/lib/hooks.bpf.h) emits for each name, of pair `kind`. */
export function pairPrograms(kind: "tp_btf" | "raw_tp", names: readonly string[]): string[] {
  return names.map((n) => `${kind}_${n}`);
}

/** Probes a feature (cached): loads and attaches its program for real. */
export function probe(feature: FeatureName): ProbeResult {
  const hit = cache.get(feature) ?? fromBootCache(feature);
  if (hit) return hit;
  const t0 = performance.now();
  let result: ProbeResult;
  try {
    runProbe([FEATURES[feature]]);
    result = { feature, ok: true, reason: "works", ms: 0 };
    persist([feature]);
  } catch (err) {
    result = { feature, ok: false, reason: explain(feature, err), ms: 0 };
  }
  result.ms = performance.now() - t0;
  cache.set(feature, result);
  return result;
}

/** Throws NotSupported(feature) when the probe fails. */
export function requireFeature(feature: FeatureName): void {
  const r = probe(feature);
  if (!r.ok) throw new NotSupported(FEATURES[feature].what, r.reason);
}

/**
 * Probes several features with one load of probes.bpf.o (each load parses the kernel's BTF
 * again, ~100 ms, which dwarfs verifying the tiny programs). All pass: all cached as
 * working. One fails: each is probed on its own, so every answer names its own reason.
 */
export function probeAll(features: readonly FeatureName[]): ProbeResult[] {
  const todo = [...new Set(features)].filter((f) => !cache.has(f) && !fromBootCache(f));
  if (todo.length > 1) {
    const t0 = performance.now();
    try {
      runProbe(todo.map((f) => FEATURES[f]));
      const ms = (performance.now() - t0) / todo.length;
      for (const feature of todo) cache.set(feature, { feature, ok: true, reason: "works", ms });
      persist(todo);
    } catch {
      // probed one by one below
    }
  }
  return features.map(probe);
}

function runProbe(specs: readonly FeatureSpec[]): void {
  const path = bpfObjectPath("probes");
  if (!existsSync(path)) throw new NotSupported("probes", `${path} is missing: ${missingObjectAdvice()}`);
  const coll = Collection.open(path);
  try {
    coll.setAutoload(specs.map((s) => s.prog));
    coll.load();
    for (const spec of specs) {
      if (spec.attach === "plain") coll.attach(spec.prog);
      else if (spec.attach === "iter") readIterOnce(coll.attachTaskIter(spec.prog));
      else if (spec.attach === "perf") {
        const perfFd = openCpuClock();
        try {
          coll.attachPerfEvent(spec.prog, perfFd); // the link owns the perf event fd now
        } catch (err) {
          closeSync(perfFd);
          throw err;
        }
      } else {
        coll.attachUprobe(spec.prog, libcPath(), symbolOffset(libcPath(), "getpid"));
      }
    }
  } finally {
    coll.close();
  }
}

function readIterOnce(link: Link): void {
  const fd = libbpf().bpf_iter_create(link.fd) as number;
  if (fd < 0) throw new BpfError("bpf_iter_create", -fd || lastErrno());
  try {
    readSync(fd, Buffer.alloc(4096), 0, 4096, null);
  } finally {
    closeSync(fd);
  }
}

/**
 * A software cpu-clock perf event on one CPU: `hz` samples per second (frequency mode,
 * what `tsnap profile` would use), or with `periodNs` a fixed period in ns (the kernel's
 * cpu-clock counts ns), which fires on schedule whether the CPU is busy or idle.
 */
export function openCpuClock(cpu = 0, hz = 49, periodNs?: number): number {
  const attr = Buffer.alloc(128); // struct perf_event_attr, PERF_ATTR_SIZE_VER7
  attr.writeUInt32LE(1, 0); // type = PERF_TYPE_SOFTWARE
  attr.writeUInt32LE(128, 4); // size
  attr.writeBigUInt64LE(0n, 8); // config = PERF_COUNT_SW_CPU_CLOCK
  if (periodNs === undefined) {
    attr.writeBigUInt64LE(BigInt(hz), 16); // sample_freq
    attr.writeBigUInt64LE(1n << 10n, 40); // flags: freq
  } else {
    attr.writeBigUInt64LE(BigInt(Math.round(periodNs)), 16); // sample_period
  }
  const fd = perfEventOpen(attr, -1, cpu, -1, 0x8 /* PERF_FLAG_FD_CLOEXEC */);
  if (fd < 0) throw new BpfError("perf_event_open cpu-clock", -fd);
  return fd;
}

function libcPath(): string {
  const maps = readFileSync("/proc/self/maps", "utf8");
  const m = /\s(\/\S*libc\.so\.6)$/m.exec(maps);
  if (!m) throw new Error("libc.so.6 not found in /proc/self/maps");
  return m[1];
}

/** File offset of a dynamic symbol in an ELF shared object (64-bit little-endian). */
export function symbolOffset(path: string, name: string): number {
  try {
    return dynamicSymbolOffset(readFileSync(path), name);
  } catch (err) {
    throw new Error(`${name} not found in ${path}`, { cause: err });
  }
}

/** One line saying why a probe failed, in the words a user can act on. */
function explain(feature: FeatureName, err: unknown): string {
  const e = err instanceof BpfError ? err.errno : 0;
  const attachFailed = err instanceof BpfError && err.op.startsWith("attach");
  if (err instanceof NotSupported) return err.message;
  if (feature === "kprobe" && attachFailed) {
    return existsSync("/sys/bus/event_source/devices/kprobe")
      ? `attach failed: ${(err as Error).message}`
      : "kprobes are not available in this kernel (no kprobe PMU; CONFIG_KPROBES off?)";
  }
  if (feature === "fentry" && (e === 1 || e === 524)) {
    const what = e === 1 ? "EPERM" : "ENOTSUPP";
    return `the kernel refuses fentry/fexit programs at ${attachFailed ? "attach" : "load"} (${what}): no BPF trampolines here`;
  }
  if (e === 1 || e === 13) return `${(err as Error).message}: needs root (CAP_BPF, CAP_PERFMON)`;
  return (err as Error).message;
}
