// A parsed probe spec (probe-spec.ts) → the places to attach: uprobes at file offsets of the
// functions whose names match (the ELF symbol tables: .symtab and .dynsym), tracepoints
// whose category and event match (tracefs). Kernel functions are refused here with one
// NotSupported line (this kernel kind has no kprobes). USDT probes are uprobes at their
// note's address, with its semaphore and its arguments' locations.
import { existsSync } from "node:fs";
import { InputError, NotSupported, UsageError } from "../errors.js";
import {
  type ElfSymbol,
  elfFunctionSymbols,
  elfLoadSegments,
  elfUsdtNotes,
  vaddrToFileOffset,
} from "../platform/elf.js";
import { readFileBounded } from "../platform/elf-image.js";
import { findBinary } from "../platform/libraries.js";
import { openTracefs } from "../platform/tracefs.js";
import { compileUserRegex } from "../platform/user-regex.js";
import { globSource, type ProbeKind, type ProbeSpec, parseProbeSpec } from "./probe-spec.js";

export interface UprobeTarget {
  kind: "uprobe" | "uretprobe";
  /** The file attached to. */
  path: string;
  /** The function's name (the one that matched, when aliases share its address). */
  func: string;
  /** File offset of the function's first instruction (a USDT probe's instruction). */
  offset: number;
  /** USDT: the file offset of the probe's semaphore (0 or absent: none). */
  refCtrOffset?: number;
  /** USDT: where its arguments are, as its note says ("-4@%edi 8@-16(%rbp)"; usdt-args.ts). */
  usdtArgs?: string;
}

export interface TracepointTarget {
  kind: "tracepoint";
  category: string;
  event: string;
}

export type ProbeTarget = UprobeTarget | TracepointTarget;

/** bcc's funccount refuses more probes than this; so do we (each uprobe costs an fd and a link). */
export const MAX_PROBES = 1000;

/** A test of names: exact text, a glob (`*`, `?`), or with `regex` a linear-time RegExp. */
export function nameMatcher(name: string, regex: boolean, what: string): (s: string) => boolean {
  if (regex) {
    const re = compileUserRegex(name, what);
    return (s) => re.test(s);
  }
  if (!/[*?]/.test(name)) return (s) => s === name;
  const re = new RegExp(globSource(name));
  return (s) => re.test(s);
}

/**
 * The functions of `symbols` whose name matches, one per address (aliases such as malloc
 * and __libc_malloc share one: the shortest matching name is kept), sorted by name. Pure.
 */
export function matchFunctions(symbols: readonly ElfSymbol[], match: (s: string) => boolean): ElfSymbol[] {
  const byAddr = new Map<number, ElfSymbol>();
  for (const s of symbols) {
    if (!match(s.name)) continue;
    const had = byAddr.get(s.addr);
    if (!had || s.name.length < had.name.length || (s.name.length === had.name.length && s.name < had.name))
      byAddr.set(s.addr, s);
  }
  return [...byAddr.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface ResolveOptions {
  /** The probe kinds the tool can attach (others are a UsageError naming the tool). */
  allow: readonly ProbeKind[];
  tool: string;
  regex: boolean;
  /** Libraries are searched in this process's maps first. */
  pid: number | null;
}

function kernelFunctions(): never {
  const why = existsSync("/sys/bus/event_source/devices/kprobe")
    ? "tsnap attaches tracepoints (t:) and uprobes (p:, r:) only"
    : "this kernel has no kprobes (CONFIG_KPROBES is off); use a tracepoint (t:category:event) or a uprobe (p:LIB:func)";
  throw new NotSupported("kernel function probes (k:, kr:, p::func)", why);
}

/** Where to attach for one spec; throws UsageError, InputError or NotSupported. */
export function resolveProbes(spec: ProbeSpec, o: ResolveOptions): ProbeTarget[] {
  if (spec.kind === "kprobe" || spec.kind === "kretprobe") kernelFunctions();
  if (spec.kind === "usdt" && !o.allow.includes("usdt"))
    throw new NotSupported("USDT probes (u:)", `tsnap ${o.tool} does not attach them yet`);
  if (!o.allow.includes(spec.kind)) {
    const words: Record<string, string> = {
      tracepoint: "tracepoints (t:)",
      uprobe: "uprobes (p:)",
      uretprobe: "return probes (r:)",
    };
    throw new UsageError(`tsnap ${o.tool} does not take ${words[spec.kind] ?? spec.kind}: '${spec.text}'`);
  }
  const found =
    spec.kind === "tracepoint"
      ? tracepoints(spec, o)
      : spec.kind === "usdt"
        ? usdtProbes(spec, o)
        : uprobes(spec, o);
  if (found.length > MAX_PROBES)
    throw new UsageError(
      `'${spec.text}' matches ${found.length} probes, more than ${MAX_PROBES}: narrow the pattern`,
    );
  return found;
}

function tracepoints(spec: ProbeSpec, o: ResolveOptions): TracepointTarget[] {
  const tfs = openTracefs();
  const cat = nameMatcher(spec.target, o.regex, "category");
  const ev = nameMatcher(spec.name, o.regex, "event");
  const out: TracepointTarget[] = [];
  for (const category of tfs.categories().filter(cat))
    for (const event of tfs.events(category).filter(ev)) out.push({ kind: "tracepoint", category, event });
  if (out.length === 0) throw new InputError(`no tracepoint matches '${spec.text}' (see: tsnap tracepoints)`);
  return out;
}

/** The file a uprobe or USDT spec names, and its bytes. */
function binary(spec: ProbeSpec, o: ResolveOptions): { path: string; bytes: Buffer } {
  const path = findBinary(spec.target, o.pid);
  if (!path) throw new InputError(`'${spec.target}': no such file, library or program (in ${spec.text})`);
  const bytes = readFileBounded(path);
  if (!bytes) throw new InputError(`${path}: cannot read it`);
  return { path, bytes };
}

/** USDT probes (`.note.stapsdt`) whose provider and name match: uprobes at their instruction, with their semaphore. */
function usdtProbes(spec: ProbeSpec, o: ResolveOptions): UprobeTarget[] {
  const { path, bytes } = binary(spec, o);
  let notes: ReturnType<typeof elfUsdtNotes>;
  let segments: ReturnType<typeof elfLoadSegments>;
  try {
    notes = elfUsdtNotes(bytes);
    segments = elfLoadSegments(bytes);
  } catch (err) {
    throw new InputError(`${path}: ${(err as Error).message}`);
  }
  const prov = nameMatcher(spec.provider ?? "", o.regex, "provider");
  const name = nameMatcher(spec.name, o.regex, "probe");
  const out: UprobeTarget[] = [];
  for (const n of notes) {
    if (!prov(n.provider) || !name(n.name)) continue;
    const offset = vaddrToFileOffset(segments, n.pc);
    if (offset === null) continue;
    const refCtrOffset = n.semaphore ? (vaddrToFileOffset(segments, n.semaphore) ?? 0) : 0;
    out.push({
      kind: "uprobe",
      path,
      func: `${n.provider}:${n.name}`,
      offset,
      refCtrOffset,
      usdtArgs: n.args,
    });
  }
  if (out.length === 0)
    throw new InputError(
      `no USDT probe matches '${spec.provider}:${spec.name}' in ${path} (${notes.length} probes there)`,
    );
  return out;
}

function uprobes(spec: ProbeSpec, o: ResolveOptions): UprobeTarget[] {
  const { path, bytes } = binary(spec, o);
  let symbols: ElfSymbol[];
  let segments: ReturnType<typeof elfLoadSegments>;
  try {
    symbols = elfFunctionSymbols(bytes);
    segments = elfLoadSegments(bytes);
  } catch (err) {
    throw new InputError(`${path}: ${(err as Error).message}`);
  }
  const kind = spec.kind as UprobeTarget["kind"];
  const out: UprobeTarget[] = [];
  for (const f of matchFunctions(symbols, nameMatcher(spec.name, o.regex, "function"))) {
    const offset = vaddrToFileOffset(segments, f.addr);
    if (offset !== null) out.push({ kind, path, func: f.name, offset });
  }
  if (out.length === 0) throw new InputError(`no function matches '${spec.name}' in ${path}`);
  return out;
}

/** A target's name in reports: the function, or "category:event". */
export const targetName = (t: ProbeTarget): string =>
  t.kind === "tracepoint" ? `${t.category}:${t.event}` : t.func;

/** Every spec the user gave, parsed and resolved, in order; at most MAX_PROBES in all. */
export function resolveSpecs(texts: readonly string[], o: ResolveOptions): ProbeTarget[] {
  const out = texts.flatMap((t) => resolveProbes(parseProbeSpec(t, o.regex), o));
  if (out.length > MAX_PROBES)
    throw new UsageError(`the patterns match ${out.length} probes, more than ${MAX_PROBES}: narrow them`);
  return out;
}

/**
 * The places of each item's probe for a tracer that reads values (trace, argdist: every
 * kind but kernel functions), in order, with the item and its index; at most MAX_PROBES.
 */
export function resolveEach<T>(
  items: readonly T[],
  probeOf: (item: T) => ProbeSpec,
  tool: string,
  pid: number | null,
): { item: T; index: number; target: ProbeTarget }[] {
  const allow: ProbeKind[] = ["uprobe", "uretprobe", "tracepoint", "usdt"];
  const out = items.flatMap((item, index) =>
    resolveProbes(probeOf(item), { allow, tool, regex: false, pid }).map((target) => ({
      item,
      index,
      target,
    })),
  );
  if (out.length > MAX_PROBES)
    throw new UsageError(`the probes match ${out.length} places, more than ${MAX_PROBES}: narrow them`);
  return out;
}
