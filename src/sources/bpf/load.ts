// Spec → probe → load → attach for the sampler object, as libbpf-tools do it: the feature
// probes (bpf/probes.ts, cached per process) pick the variant first (hook flavour tp_btf,
// raw_tp or none; the in-kernel clock or not; user stacks or not), autoload is turned off
// for every program not chosen, and the object is loaded once. Only a load that fails
// although the probes passed falls back to poorer variants, with a notice saying so.
import { existsSync } from "node:fs";
import { Collection } from "../../bpf/collection.js";
import { BpfError } from "../../bpf/object.js";
import { bpfObjectPath } from "../../bpf/paths.js";
import { FEATURES, type FeatureName, type ProbeResult, probe, probeAll } from "../../bpf/probes.js";
import { NotSupported } from "../../errors.js";
import { missingObjectAdvice } from "../../platform/installation.js";
import { FD_ARG_SYSCALLS, syscallNumber } from "../../platform/syscall-table.js";
import { type HistChoice, histChoice, histConfigBytes } from "./latency-hists.js";
import { CONFIG, NR_SYSCALL_SLOTS } from "./records.js";
import {
  HIST_CONFIG_SECTION,
  type Hook,
  type HookFlavour,
  hookProgram,
  MAPS,
  PROGRAMS,
  RQ_HOOKS,
  TRACKING_HOOKS,
} from "./sampler-object.js";

/** The hook flavour loaded, or none (the iterator alone: no syscall or I/O tracking). */
export type HookChoice = HookFlavour | "none";

export interface SamplerSpec {
  /** Programs to load (autoload is off for everything else in the object). */
  programs: string[];
  hooks: string[];
  iter: string;
  /** The in-kernel sampling clock's program, or null (user-clocked rounds only). */
  clock: string | null;
  /** Bytes of the `rounds` ring the clock writes into (a power of two). */
  ringBytes: number;
  config: Buffer;
  /** `.rodata.hist`: which latency histograms the hooks keep (latency-hists.ts). */
  histConfig: Buffer;
  hists: HistChoice;
  flavour: HookChoice;
  /** Maps no loaded program writes, made as small as the kernel allows (their creation is most of the load's cost). */
  shrink: Record<string, number>;
}

/** The smallest size of a map no program uses: one entry; for a ring, 64 KiB (a page on every arch). */
const UNUSED_ENTRIES = 1;
const UNUSED_RING_BYTES = 1 << 16;

/**
 * Maps the chosen programs never touch, libbpf-tools style: created (the object references
 * them) but tiny. Without hooks: their per-request and run-queue tables, histograms and the
 * completions ring; without stacks: the stack dictionary (a 65,536-entry LRU, preallocated).
 */
function unusedMaps(input: SpecInput): Record<string, number> {
  const out: Record<string, number> = {};
  if (input.flavour === "none") {
    for (const m of [MAPS.iorqTrack, MAPS.scHist, MAPS.ioHist, MAPS.rqStart]) out[m] = UNUSED_ENTRIES;
    out[MAPS.events] = UNUSED_RING_BYTES;
  }
  if (!input.kstack && !input.ustack) out[MAPS.knownStacks] = UNUSED_ENTRIES;
  return out;
}

export interface SpecInput {
  selfTgid: number;
  /** tsnap's own tgid, counted at each clock instant when on a CPU or runnable. */
  countTgid: number;
  /** Load the in-kernel clock (perf_event program) and size its ring for this many bytes. */
  clockRingBytes: number | null;
  all: boolean;
  pids: readonly number[] | null;
  kstack: boolean;
  ustack: boolean;
  filename: boolean;
  /** Syscall arguments (read from the saved registers in the iterator). */
  args: boolean;
  flavour: HookChoice;
  /** The clock reads threads woken onto its CPU during its walk as found (comparisons). */
  asFound?: boolean;
}

/** The read-only config bytes (records.ts CONFIG layout). */
export function configBytes(input: SpecInput): Buffer {
  const c = Buffer.alloc(CONFIG.size);
  const o = CONFIG.off;
  c.writeUInt32LE(input.selfTgid, o.self_tgid);
  c.writeUInt32LE(input.countTgid, o.count_tgid);
  c[o.filter_pids] = input.pids !== null ? 1 : 0;
  c[o.all_tasks] = input.all ? 1 : 0;
  c[o.as_found] = input.asFound ? 1 : 0;
  c[o.want_kstack] = input.kstack ? 1 : 0;
  c[o.want_ustack] = input.ustack ? 1 : 0;
  c[o.want_filename] = input.filename ? 1 : 0;
  c[o.want_args] = input.args || input.filename ? 1 : 0;
  c[o.track_syscalls] = input.flavour !== "none" ? 1 : 0;
  c[o.track_iorq] = input.flavour !== "none" ? 1 : 0;
  for (const name of FD_ARG_SYSCALLS) {
    const nr = syscallNumber(name);
    if (nr !== undefined && nr < NR_SYSCALL_SLOTS) c[o.fd_syscalls + nr] = 1;
  }
  return c;
}

/** Which programs and config a sampler with these options needs (pure). */
export function samplerSpec(input: SpecInput): SamplerSpec {
  const hists = input.flavour === "none" ? { sc: false, io: false, rq: false } : histChoice();
  const names: readonly Hook[] = hists.rq ? [...TRACKING_HOOKS, ...RQ_HOOKS] : TRACKING_HOOKS;
  const flavour = input.flavour;
  const hooks = flavour === "none" ? [] : names.map((h) => hookProgram(h, flavour));
  const iter = input.ustack ? PROGRAMS.iterUstack.name : PROGRAMS.iter.name;
  // User stacks need a sleepable program (they read user memory): the iterator only.
  const clock = input.clockRingBytes !== null && !input.ustack ? PROGRAMS.clock.name : null;
  return {
    programs: [...hooks, iter, ...(clock ? [clock] : [])],
    hooks,
    iter,
    clock,
    ringBytes: ringSize(input.clockRingBytes ?? 0),
    config: configBytes(input),
    histConfig: histConfigBytes(hists, input.pids !== null),
    hists,
    flavour,
    shrink: unusedMaps(input),
  };
}

/** The ring size for `bytes`: a power of two from 1 MiB to 256 MiB. */
export function ringSize(bytes: number): number {
  let n = 1 << 20;
  while (n < bytes && n < 1 << 28) n *= 2;
  return n;
}

export type BaseInput = Omit<SpecInput, "flavour">;

/** Probe results by feature (probe() in use; fixtures in tests). */
export type ProbeFn = (f: FeatureName) => Pick<ProbeResult, "ok" | "reason">;

/** The features the richest variant for `base` needs (probed together: one load). */
export function samplerFeatures(base: BaseInput, forced?: string): FeatureName[] {
  const out: FeatureName[] = ["task_iter"];
  if (forced === undefined)
    out.push("tp_btf", "tp_btf_block", ...(histChoice().rq ? ["tp_btf_sched" as const] : []));
  if (base.ustack) out.push("task_iter_sleepable");
  else if (base.clockRingBytes !== null) out.push("perf_event", "task_iter_open");
  return out;
}

/**
 * The richest variant the probes allow (pure given `probeFn`), and why each richer one was
 * not chosen ("tp_btf: <reason>"). `forced` (TSNAP_BPF_HOOKS) pins the flavour.
 */
export function chooseVariant(
  base: BaseInput,
  probeFn: ProbeFn,
  forced?: string,
): { input: SpecInput; skipped: string[] } {
  const skipped: string[] = [];
  const failed = (features: FeatureName[]): string | null => {
    for (const f of features) {
      const r = probeFn(f);
      if (!r.ok) return `${FEATURES[f].what}: ${r.reason}`;
    }
    return null;
  };
  let flavour: HookChoice = "none";
  if (forced === "tp_btf" || forced === "raw_tp" || forced === "none") flavour = forced;
  else {
    const tpBtf: FeatureName[] = [
      "tp_btf",
      "tp_btf_block",
      ...(histChoice().rq ? ["tp_btf_sched" as const] : []),
    ];
    const whyNotTpBtf = failed(tpBtf);
    const whyNotRawTp = whyNotTpBtf === null ? null : failed(["raw_tp"]);
    if (whyNotTpBtf === null) flavour = "tp_btf";
    else {
      skipped.push(`tp_btf: ${whyNotTpBtf}`);
      if (whyNotRawTp === null) flavour = "raw_tp";
      else skipped.push(`raw_tp: ${whyNotRawTp}`);
    }
  }
  let { ustack, clockRingBytes } = base;
  if (ustack) {
    const why = failed(["task_iter_sleepable"]);
    if (why !== null) {
      skipped.push(`ustack: ${why}`);
      ustack = false;
    }
  }
  if (clockRingBytes !== null && !ustack) {
    const why = failed(["perf_event", "task_iter_open"]);
    if (why !== null) {
      skipped.push(`clock: ${why}`);
      clockRingBytes = null;
    }
  }
  return { input: { ...base, ustack, clockRingBytes, flavour }, skipped };
}

/** Poorer variants to try after `v` failed to load unexpectedly, richest first. */
export function fallbackChain(v: SpecInput): SpecInput[] {
  const out: SpecInput[] = [];
  const order: HookChoice[] = ["tp_btf", "raw_tp", "none"];
  for (const flavour of order.slice(order.indexOf(v.flavour))) {
    const same = { ...v, flavour };
    if (flavour !== v.flavour) out.push(same);
    if (same.clockRingBytes !== null && !same.ustack) out.push({ ...same, clockRingBytes: null });
    if (same.ustack) out.push({ ...same, ustack: false });
  }
  return out;
}

function describe(v: SpecInput): string {
  return `${v.flavour}${v.ustack ? "+ustack" : ""}${v.clockRingBytes !== null && !v.ustack ? "+clock" : ""}`;
}

export interface LoadedSampler {
  /** The loaded object: programs, maps, and every link and ring made from it. */
  coll: Collection;
  spec: SamplerSpec;
  /** Why richer variants were not used (empty when the richest was). */
  fallbacks: string[];
  /** A load that failed although the probes passed, in words (null normally). */
  unexpected: string | null;
  /** Verifier loads of the sampler object this took (1 unless a load failed). */
  loads: number;
}

const EINTR = 4;
const EAGAIN = 11;

function loadVariant(path: string, spec: SamplerSpec): Collection {
  const coll = Collection.open(path);
  try {
    coll.setAutoload(spec.programs);
    coll.setReadOnlyConfig(spec.config);
    coll.setReadOnlyConfig(spec.histConfig, HIST_CONFIG_SECTION);
    coll.setMaxEntries(MAPS.rounds, spec.ringBytes);
    for (const [map, n] of Object.entries(spec.shrink)) coll.setMaxEntries(map, n);
    // The verifier gives up with EAGAIN when a signal arrives mid-load: try again.
    for (let attempt = 0; ; attempt++) {
      try {
        coll.load();
        break;
      } catch (err) {
        const again = err instanceof BpfError && (err.errno === EAGAIN || err.errno === EINTR);
        if (!again || attempt >= 2) throw err;
      }
    }
    for (const h of spec.hooks) coll.attach(h);
    return coll;
  } catch (err) {
    coll.close();
    throw err;
  }
}

/**
 * Probes, then opens, loads (once) and attaches the hooks of the variant chosen. `hooks`
 * "none": no hooks at all (the caller needs no tracking), neither probed nor loaded.
 */
export function loadSampler(base: BaseInput, probeFn: ProbeFn = probe, hooks?: "none"): LoadedSampler {
  const path = bpfObjectPath("sampler");
  if (!existsSync(path)) throw new NotSupported("bpf source", `${path} is missing: ${missingObjectAdvice()}`);
  // TSNAP_BPF_HOOKS=tp_btf|raw_tp|none forces a flavour (troubleshooting, tests).
  const forced = hooks ?? process.env.TSNAP_BPF_HOOKS;
  if (forced !== undefined && forced !== "" && !["tp_btf", "raw_tp", "none"].includes(forced))
    throw new NotSupported("bpf source", "TSNAP_BPF_HOOKS must be tp_btf, raw_tp or none");
  // Everything the richest variant needs, probed in one load of probes.bpf.o (cached).
  if (probeFn === probe) probeAll(samplerFeatures(base, forced || undefined));
  // Without the task iterator nothing works: say so before any load.
  const iter = probeFn("task_iter");
  if (!iter.ok) throw new NotSupported(`bpf source (${FEATURES.task_iter.what})`, iter.reason);
  const { input, skipped } = chooseVariant(base, probeFn, forced || undefined);
  const fallbacks = [...skipped];
  let loads = 0;
  let firstErr: unknown = null;
  for (const v of [input, ...fallbackChain(input)]) {
    if (forced && v.flavour !== forced) continue;
    loads++;
    try {
      const spec = samplerSpec(v);
      const coll = loadVariant(path, spec);
      const unexpected =
        firstErr === null
          ? null
          : `the ${describe(input)} variant failed to load although the feature probes passed (${(firstErr as Error).message}); loaded ${describe(v)} instead`;
      return { coll, spec, fallbacks, unexpected, loads };
    } catch (err) {
      firstErr ??= err;
      fallbacks.push(`${describe(v)}: ${(err as Error).message}`);
    }
  }
  // Every variant failed: name the missing feature if a probe finds one.
  for (const f of ["ringbuf", "task_storage"] as const) {
    const r = probeFn(f);
    if (!r.ok) throw new NotSupported(`bpf source (${FEATURES[f].what})`, r.reason, { cause: firstErr });
  }
  throw new NotSupported("bpf source", (firstErr as Error)?.message ?? "load failed", { cause: firstErr });
}
