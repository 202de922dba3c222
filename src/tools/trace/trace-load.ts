// Where each trace argument is (trace-spec.ts → the kernel's per-probe table: a tracepoint
// field's offset, size and kind from its format file, a parameter register, the return
// register; numbers or strings), loading trace.bpf.o with that table, attaching every probe
// (its index as cookie), and the ring buffer its records come through. The only libbpf
// user of the tool.
import { Collection } from "../../bpf/collection.js";
import { mapUpdate } from "../../bpf/maps.js";
import { bpfObjectPath } from "../../bpf/paths.js";
import type { RingBuffer } from "../../bpf/ringbuf.js";
import { InputError } from "../../errors.js";
import { openTracefs } from "../../platform/tracefs.js";
import { cString, layout } from "../../sources/bpf/records.js";
import { attachAll, programsFor } from "../probe-attach.js";
import type { ProbeTarget } from "../probe-targets.js";
import type { TraceSpec } from "./trace-spec.js";

export const MAX_ARGS = 6;
export const STR_LEN = 64;

const ARG = layout("ttrace_arg", [
  ["source", "u8"],
  ["size", "u8"],
  ["is_signed", "u8"],
  ["str", "u8"],
  ["offset", "u16"],
  ["param", "u8"],
  ["pad", "u8"],
]);
export const EVENT = layout("ttrace_event", [
  ["ts", "u64"],
  ["pid", "u32"],
  ["tid", "u32"],
  ["probe", "u32"],
  ["pad", "u32"],
  ["comm", { array: "char", len: 16 }],
  ["vals", { array: "u64", len: MAX_ARGS }],
  ["strs", { array: "char", len: MAX_ARGS * STR_LEN }],
]);
const CONFIG = layout("ttrace_config", [
  ["filter_pid", "u32"],
  ["pad", "u32"],
]);

const SRC = { none: 0, field: 1, param: 2, retval: 3 } as const;
const STR = { no: 0, user: 1, kernel: 2, inline: 3, dataLoc: 4 } as const;

export interface ArgSource {
  source: keyof typeof SRC;
  size: number;
  signed: boolean;
  str: keyof typeof STR;
  offset: number;
  param: number;
}

/** Where each argument of `spec` is at `target` (tracepoint fields from the format file). */
export function argSources(spec: TraceSpec, target: ProbeTarget): ArgSource[] {
  const fmt = target.kind === "tracepoint" ? openTracefs().format(target.category, target.event) : null;
  return spec.args.map((a, i): ArgSource => {
    const c = spec.convs[i];
    const isStr = c.conv === "s";
    if (a.kind === "field") {
      const where = target.kind === "tracepoint" ? `${target.category}:${target.event}` : "";
      const f = fmt?.fields.find((x) => x.name === a.name);
      if (!f)
        throw new InputError(
          `${where} has no field '${a.name}' (its fields: ${fmt?.fields.map((x) => x.name).join(", ")})`,
        );
      const base = { source: "field" as const, offset: f.offset, param: 0, size: f.size, signed: f.signed };
      if (isStr) {
        if (f.type.includes("__data_loc")) return { ...base, str: "dataLoc" };
        if (f.arrayLen !== null && /char/.test(f.type)) return { ...base, str: "inline" };
        if (/char\s*\*$/.test(f.type.trim()) || f.type.trim().endsWith("*"))
          return {
            ...base,
            str: target.kind === "tracepoint" && target.category === "syscalls" ? "user" : "kernel",
          };
        throw new InputError(`${where}: field '${a.name}' (${f.type}) is not a string: use %d, %u or %x`);
      }
      if (f.arrayLen !== null || f.type.includes("__data_loc") || ![1, 2, 4, 8].includes(f.size))
        throw new InputError(`${where}: field '${a.name}' (${f.type}) is not a number: use %s`);
      return { ...base, str: "no" };
    }
    const signed = c.conv === "d" || c.conv === "i";
    const base = { offset: 0, size: c.size, signed, str: isStr ? ("user" as const) : ("no" as const) };
    return a.kind === "retval"
      ? { ...base, source: "retval", param: 0 }
      : { ...base, source: "param", param: a.index };
  });
}

export interface TraceSource {
  ring: RingBuffer;
  close(): void;
}

export function loadTrace(
  targets: readonly ProbeTarget[],
  args: readonly ArgSource[][],
  pid: number | null,
): TraceSource {
  const programs = { uprobe: "trace_uprobe", tracepoint: "trace_tracepoint" };
  const col = Collection.open(bpfObjectPath("trace"));
  try {
    col.setAutoload(programsFor(programs, targets));
    const cfg = Buffer.alloc(CONFIG.size);
    cfg.writeUInt32LE(pid ?? 0, CONFIG.off.filter_pid);
    col.setReadOnlyConfig(cfg);
    col.setMaxEntries("probes", Math.max(1, targets.length));
    col.load();
    const fd = col.mapFd("probes");
    args.forEach((list, i) => {
      const v = Buffer.alloc(ARG.size * MAX_ARGS);
      list.forEach((a, j) => {
        const o = j * ARG.size;
        v[o + ARG.off.source] = SRC[a.source];
        v[o + ARG.off.size] = a.size;
        v[o + ARG.off.is_signed] = a.signed ? 1 : 0;
        v[o + ARG.off.str] = STR[a.str];
        v.writeUInt16LE(a.offset, o + ARG.off.offset);
        v[o + ARG.off.param] = a.param;
      });
      const k = Buffer.alloc(4);
      k.writeUInt32LE(i);
      mapUpdate(fd, k, v);
    });
    attachAll(col, programs, targets, pid);
    const ring = col.ringBuffer("events", { map: "lost", index: 0 });
    return { ring, close: () => col.close() };
  } catch (err) {
    col.close();
    throw err;
  }
}

/** One record of the ring, decoded. Pure. */
export function decodeEvent(
  b: Buffer,
  off: number,
): { pid: number; tid: number; probe: number; comm: string; vals: bigint[]; strs: string[] } {
  const vals: bigint[] = [];
  const strs: string[] = [];
  for (let i = 0; i < MAX_ARGS; i++) {
    vals.push(b.readBigUInt64LE(off + EVENT.off.vals + 8 * i));
    strs.push(cString(b, off + EVENT.off.strs + STR_LEN * i, STR_LEN));
  }
  return {
    pid: b.readUInt32LE(off + EVENT.off.pid),
    tid: b.readUInt32LE(off + EVENT.off.tid),
    probe: b.readUInt32LE(off + EVENT.off.probe),
    comm: cString(b, off + EVENT.off.comm, 16),
    vals,
    strs,
  };
}
