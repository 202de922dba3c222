// Attaching the generic tracers' programs to resolved probes (probe-targets.ts): each probe
// gets its index in the tool's list as its attach cookie (bpf_get_attach_cookie() in the
// kernel program keys its maps by it). Uprobes with -p are attached for that process
// only; tracepoints are filtered by pid in the kernel program.
import type { Collection } from "../bpf/collection.js";
import { BpfError, type Link } from "../bpf/object.js";
import { InputError, NotSupported, PermissionError } from "../errors.js";
import type { ProbeTarget } from "./probe-targets.js";

/** A tool's program for each kind of probe it attaches. */
export interface ProbePrograms {
  uprobe?: string;
  tracepoint?: string;
}

/** Attaches `target` with `cookie`; `retprobe` turns a uprobe into a uretprobe. Errors in the user's words. */
export function attachProbe(
  col: Collection,
  program: string,
  target: ProbeTarget,
  cookie: number,
  pid: number | null,
  retprobe = target.kind === "uretprobe",
): Link {
  try {
    if (target.kind === "tracepoint")
      return col.attachTracepoint(program, target.category, target.event, cookie);
    return col.attachUprobe(program, target.path, target.offset, {
      pid: pid ?? -1,
      retprobe,
      cookie,
      refCtrOffset: target.refCtrOffset ?? 0,
    });
  } catch (err) {
    if (!(err instanceof BpfError)) throw err;
    const where =
      target.kind === "tracepoint"
        ? `${target.category}:${target.event}`
        : `${target.func} in ${target.path}`;
    if (err.errno === 3) throw new InputError(`no process ${pid}`, { cause: err });
    if (err.errno === 1 || err.errno === 13)
      throw new PermissionError(`attaching ${where} needs root`, { cause: err });
    if (err.errno === 2 && target.kind === "tracepoint")
      throw new NotSupported(`tracepoint ${where}`, "the kernel has no such tracepoint", { cause: err });
    throw new Error(`attach ${where}`, { cause: err });
  }
}

/** Every target with its own program by kind (`programs`), cookies 0..n-1; the links, in order. */
export function attachAll(
  col: Collection,
  programs: ProbePrograms,
  targets: readonly ProbeTarget[],
  pid: number | null,
): Link[] {
  return targets.map((t, i) => {
    const program = t.kind === "tracepoint" ? programs.tracepoint : programs.uprobe;
    if (!program) throw new Error(`no program for ${t.kind} probes`);
    return attachProbe(col, program, t, i, pid);
  });
}

/** Which programs the targets need loaded (the others' autoload is turned off). */
export function programsFor(programs: ProbePrograms, targets: readonly ProbeTarget[]): string[] {
  const out = new Set<string>();
  for (const t of targets) {
    const p = t.kind === "tracepoint" ? programs.tracepoint : programs.uprobe;
    if (p) out.add(p);
  }
  return [...out];
}
