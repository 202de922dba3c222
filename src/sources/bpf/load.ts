// Spec → load → attach for the sampler object. The spec (which programs, the read-only
// config) is pure; loading tries tp_btf hooks, then raw_tp hooks, then the iterator alone,
// so a kernel missing a hook loses that tracking, not the whole source.
import { existsSync } from "node:fs";
import { BpfError, BpfObject, type Link } from "../../bpf/object.js";
import { bpfObjectPath } from "../../bpf/paths.js";
import { FEATURES, probe } from "../../bpf/probes.js";
import { NotSupported } from "../../errors.js";
import { FD_ARG_SYSCALLS, syscallNumber } from "../../platform/syscall-table.js";
import { type HistChoice, histChoice, histConfigBytes, RQ_HOOKS } from "./latency-hists.js";
import { CONFIG, NR_SYSCALL_SLOTS } from "./records.js";

export type HookFlavour = "tp_btf" | "raw_tp" | "none";

export interface SamplerSpec {
  /** Programs to load (everything else in the object is disabled before load). */
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
  flavour: HookFlavour;
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
  flavour: HookFlavour;
}

const HOOKS = ["sys_enter", "sys_exit", "rq_insert", "rq_issue", "rq_complete"];

/** The read-only config bytes (records.ts CONFIG layout). */
export function configBytes(input: SpecInput): Buffer {
  const c = Buffer.alloc(CONFIG.size);
  const o = CONFIG.off;
  c.writeUInt32LE(input.selfTgid, o.self_tgid);
  c.writeUInt32LE(input.countTgid, o.count_tgid);
  c[o.filter_pids] = input.pids !== null ? 1 : 0;
  c[o.all_tasks] = input.all ? 1 : 0;
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
  const names = hists.rq ? [...HOOKS, ...RQ_HOOKS] : HOOKS;
  const hooks = input.flavour === "none" ? [] : names.map((h) => `${input.flavour}_${h}`);
  const iter = input.ustack ? "dump_tasks_ustack" : "dump_tasks";
  // User stacks need a sleepable program (they read user memory): the iterator only.
  const clock = input.clockRingBytes !== null && !input.ustack ? "sample_clock" : null;
  return {
    programs: [...hooks, iter, ...(clock ? [clock] : [])],
    hooks,
    iter,
    clock,
    ringBytes: ringSize(input.clockRingBytes ?? 0),
    config: configBytes(input),
    histConfig: histConfigBytes(hists, input.pids !== null),
    hists,
    flavour: input.flavour,
  };
}

/** The ring size for `bytes`: a power of two from 1 MiB to 256 MiB. */
export function ringSize(bytes: number): number {
  let n = 1 << 20;
  while (n < bytes && n < 1 << 28) n *= 2;
  return n;
}

export interface LoadedSampler {
  obj: BpfObject;
  hookLinks: Link[];
  spec: SamplerSpec;
  /** Why richer variants were not used (empty when the first worked). */
  fallbacks: string[];
}

const EINTR = 4;
const EAGAIN = 11;

function loadVariant(path: string, spec: SamplerSpec): Omit<LoadedSampler, "fallbacks"> {
  const obj = BpfObject.open(path);
  const links: Link[] = [];
  try {
    obj.onlyPrograms(spec.programs);
    obj.setReadOnlyConfig(spec.config);
    obj.setReadOnlyConfig(spec.histConfig, ".rodata.hist");
    obj.setMaxEntries("rounds", spec.ringBytes);
    obj.load();
    for (const h of spec.hooks) links.push(obj.attach(h));
    return { obj, hookLinks: links, spec };
  } catch (err) {
    for (const l of links) l.close();
    obj.close();
    throw err;
  }
}

/** Opens, loads and attaches the hooks of the first variant this kernel accepts. */
export function loadSampler(base: Omit<SpecInput, "flavour">): LoadedSampler {
  const path = bpfObjectPath("sampler");
  if (!existsSync(path)) throw new NotSupported("bpf source", `${path} is missing; run scripts/setup.sh`);
  const fallbacks: string[] = [];
  const variants: SpecInput[] = [];
  // TSNAP_BPF_HOOKS=raw_tp|none forces a flavour (troubleshooting, and tests of the fallbacks).
  const forced = process.env.TSNAP_BPF_HOOKS;
  for (const flavour of ["tp_btf", "raw_tp", "none"] as const) {
    if (forced && forced !== flavour) continue;
    variants.push({ ...base, flavour });
    // Without the in-kernel clock (no open-coded task iterator here): user-space rounds.
    if (base.clockRingBytes !== null && !base.ustack)
      variants.push({ ...base, clockRingBytes: null, flavour });
    if (base.ustack) variants.push({ ...base, ustack: false, flavour });
  }
  if (variants.length === 0)
    throw new NotSupported("bpf source", "TSNAP_BPF_HOOKS must be tp_btf, raw_tp or none");
  let firstErr: unknown = null;
  for (const v of variants) {
    // The verifier gives up with EAGAIN when a signal arrives mid-load: try again.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return { ...loadVariant(path, samplerSpec(v)), fallbacks };
      } catch (err) {
        const again = err instanceof BpfError && (err.errno === EAGAIN || err.errno === EINTR);
        if (again && attempt < 2) continue;
        firstErr ??= err;
        const clock = v.clockRingBytes !== null && !v.ustack ? "+clock" : "";
        fallbacks.push(`${v.flavour}${v.ustack ? "+ustack" : ""}${clock}: ${(err as Error).message}`);
        break;
      }
    }
  }
  // Every variant failed: name the missing feature if a probe finds one (costs nothing on
  // the success path).
  for (const f of ["task_iter", "ringbuf", "task_storage"] as const) {
    const r = probe(f);
    if (!r.ok) throw new NotSupported(`bpf source (${FEATURES[f].what})`, r.reason, { cause: firstErr });
  }
  throw new NotSupported("bpf source", (firstErr as Error)?.message ?? "load failed", { cause: firstErr });
}
