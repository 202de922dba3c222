// The libbpf side of memleak: finds the allocators in libc (or -O's object; resolved like
// p:LIB:func specs by probe-targets.ts), loads memleak.bpf.o with the programs of its mode,
// attaches (returns before entries, each allocator's index as cookie; or the kmem and
// percpu tracepoints), and reads the maps for a report. Imported when the command runs.
import type { Collection } from "../../bpf/collection.js";
import { arrayU64, mapEntries, mapEntriesInto } from "../../bpf/maps.js";
import type { RingBuffer } from "../../bpf/ringbuf.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { InputError } from "../../errors.js";
import type { StackSide } from "../../report/stack-report.js";
import { attachProbe } from "../probe-attach.js";
import { parseProbeSpec } from "../probe-spec.js";
import { resolveProbes, type UprobeTarget } from "../probe-targets.js";
import { StackResolver } from "../stack-tool.js";
import {
  ALLOCATORS,
  configBytes,
  decodeCombined,
  FREERS,
  LOST_ALLOCS,
  LOST_TRACE,
  MEMLEAK_ALLOC,
  MEMLEAK_COMBINED,
  type MemleakConfig,
} from "./memleak-records.js";
import type { RawAllocations } from "./memleak-report.js";

export interface AllocatorTargets {
  /** Index = cookie (ALLOCATORS order); null: not in the object, or an alias of another (one probe per address). */
  allocs: (UprobeTarget | null)[];
  frees: UprobeTarget[];
}

/**
 * The allocators and freers in `obj` (default libc), its symbols read once; one probe per
 * address (glibc's aligned_alloc is memalign: the shorter name is probed, with memalign's
 * cookie, which reads the same arguments). malloc and free must be there.
 */
export function findAllocators(obj: string | undefined, pid: number | null): AllocatorTargets {
  const names = [...ALLOCATORS, ...FREERS].join("|");
  const spec = parseProbeSpec(`p:${obj ?? "c"}:^(${names})$`, true);
  let found: UprobeTarget[] = [];
  try {
    found = resolveProbes(spec, { allow: ["uprobe"], tool: "memleak", regex: true, pid }) as UprobeTarget[];
  } catch (err) {
    if (!(err instanceof InputError) || !/^no function matches/.test(err.message)) throw err;
  }
  const byName = new Map(found.map((t) => [t.func, t]));
  if (!byName.has("malloc") || !byName.has("free"))
    throw new InputError(
      `'${obj ?? "c"}' has no malloc and free to probe (-O names the allocator's library)`,
    );
  return {
    allocs: ALLOCATORS.map((f) => byName.get(f) ?? null),
    frees: FREERS.flatMap((f) => byName.get(f) ?? []),
  };
}

/** The kmem tracepoints bcc's kernel mode follows; percpu's with --percpu. */
const KERNEL_PROGRAMS = [
  "memleak_kmalloc",
  "memleak_cache_alloc",
  "memleak_kfree",
  "memleak_cache_free",
  "memleak_page_alloc",
  "memleak_page_free",
];
const PERCPU_PROGRAMS = ["memleak_percpu_alloc", "memleak_percpu_free"];

export interface MemleakLoad {
  config: MemleakConfig;
  /** User mode: the allocators to probe, for process config.tgid. */
  targets: AllocatorTargets | null;
  percpu: boolean;
  /** Outstanding allocations kept (the `allocs` map). */
  maxAllocs: number;
  stackStorageSize: number;
}

export interface MemleakSource {
  /** The `allocs` map now, read into buffers kept for the next read. */
  outstanding(): RawAllocations;
  combined(): { stackId: number; bytes: number; count: number }[];
  /** The stack of an id, symbolized (user frames through the process's maps). */
  stack(stackId: number): StackSide;
  /** -t records (null without -t). */
  trace: RingBuffer | null;
  lost(): { trace: number; allocs: number };
  /** Symbolizes the stacks with allocations outstanding now (cached: a process's maps are read while it lives). */
  learn(): void;
  /** BPF links attached (uprobes and tracepoints). */
  links: number;
  close(): void;
}

export function loadMemleak(o: MemleakLoad): MemleakSource {
  const c = o.config;
  const user = o.targets !== null;
  const programs = user
    ? [
        "memleak_alloc_enter",
        "memleak_alloc_exit",
        "memleak_free_enter",
        ...(c.waitExec ? ["memleak_exec"] : []),
      ]
    : [...KERNEL_PROGRAMS, ...(o.percpu ? PERCPU_PROGRAMS : [])];
  let links = 0;
  return loadToolObject(
    {
      name: "memleak",
      programs,
      config: configBytes(c),
      maxEntries: {
        allocs: o.maxAllocs,
        stackmap: o.stackStorageSize,
        combined_allocs: o.stackStorageSize,
        events: c.traceAll ? 4 << 20 : 4096,
      },
      attach(col: Collection) {
        if (!o.targets) {
          for (const p of programs) col.attach(p);
          links = programs.length;
          return;
        }
        const pid = c.tgid;
        if (c.waitExec) col.attach("memleak_exec");
        // Returns first: a call whose entry is seen is then completed at its return.
        for (const [i, t] of o.targets.allocs.entries())
          if (t) attachProbe(col, "memleak_alloc_exit", t, i, pid, true);
        for (const t of o.targets.frees) attachProbe(col, "memleak_free_enter", t, 0, pid, false);
        for (const [i, t] of o.targets.allocs.entries())
          if (t) attachProbe(col, "memleak_alloc_enter", t, i, pid, false);
        links = (c.waitExec ? 1 : 0) + o.targets.frees.length + 2 * o.targets.allocs.filter(Boolean).length;
      },
    },
    (col) => source(col, o, links),
  );
}

const decodeAll = (fd: number) =>
  mapEntries(fd, 8, MEMLEAK_COMBINED.size).map(([k, v]) => decodeCombined(k, v));

function source(col: Collection, o: MemleakLoad, links: number): MemleakSource {
  const allocsFd = col.mapFd("allocs");
  const combinedFd = col.mapFd("combined_allocs");
  const lostFd = col.mapFd("lost");
  const stacks = new StackResolver(col.mapFd("stackmap"));
  const kernel = o.config.kernel;
  const tgid = o.config.tgid;
  // -c: the process is still the shell that waits; its maps are read at the first stack.
  if (!kernel && !o.config.waitExec) stacks.users.see(tgid);
  let buf: { keys: Buffer; values: Buffer } | undefined;
  const trace = o.config.traceAll ? col.ringBuffer("events", { map: "lost", index: LOST_TRACE }) : null;
  return {
    outstanding() {
      if (!buf) {
        const cap = col.mapMaxEntries("allocs");
        buf = {
          keys: Buffer.allocUnsafeSlow(cap * 8),
          values: Buffer.allocUnsafeSlow(cap * MEMLEAK_ALLOC.size),
        };
      }
      const n = mapEntriesInto(allocsFd, 8, MEMLEAK_ALLOC.size, buf.keys, buf.values, 4096);
      return { ...buf, n };
    },
    combined: () => decodeAll(combinedFd),
    stack: (id) => (kernel ? stacks.kernelSide(id, true) : stacks.userSide(id, tgid, true)),
    trace,
    lost: () => ({ trace: trace?.lost() ?? 0, allocs: arrayU64(lostFd, LOST_ALLOCS) }),
    learn() {
      for (const c of decodeAll(combinedFd)) if (c.count > 0 && c.stackId >= 0) this.stack(c.stackId);
    },
    links,
    close: () => col.close(),
  };
}
