// Each probe's table (probe-values.ts: where the spec's values are at that target, then
// its filter's bytecode), loading trace.bpf.o with those tables, attaching every probe
// (its index as cookie), and the ring buffer its records come through. The only libbpf
// user of the tool.
import { Collection } from "../../bpf/collection.js";
import { mapUpdate } from "../../bpf/maps.js";
import { bpfObjectPath } from "../../bpf/paths.js";
import type { RingBuffer } from "../../bpf/ringbuf.js";
import { cString, layout } from "../../sources/bpf/records.js";
import { attachAll, programsFor } from "../probe-attach.js";
import type { ProbeTarget } from "../probe-targets.js";
import { MAX_SLOTS, type ProbeTable, probeConfig, probeTable, STR_LEN } from "../probe-values.js";
import type { TraceSpec } from "./trace-spec.js";

export const EVENT = layout("ttrace_event", [
  ["ts", "u64"],
  ["pid", "u32"],
  ["tid", "u32"],
  ["probe", "u32"],
  ["pad", "u32"],
  ["comm", { array: "char", len: 16 }],
  ["vals", { array: "u64", len: MAX_SLOTS }],
  ["strs", { array: "char", len: MAX_SLOTS * STR_LEN }],
]);

/** The table of `spec` at `target`: its values (a %s one read as a string), then its filter. */
export function traceTable(spec: TraceSpec, target: ProbeTarget): ProbeTable {
  const values = spec.args.map((name, i) => ({ name, asString: spec.convs[i].conv === "s" }));
  return probeTable(target, values, spec.filter && { expr: spec.filter, text: spec.filterText });
}

export interface TraceSource {
  ring: RingBuffer;
  close(): void;
}

export function loadTrace(
  targets: readonly ProbeTarget[],
  tables: readonly ProbeTable[],
  pid: number | null,
): TraceSource {
  const programs = { uprobe: "trace_uprobe", tracepoint: "trace_tracepoint" };
  const col = Collection.open(bpfObjectPath("trace"));
  try {
    col.setAutoload(programsFor(programs, targets));
    col.setReadOnlyConfig(probeConfig(pid));
    col.setMaxEntries("probes", Math.max(1, targets.length));
    col.load();
    const fd = col.mapFd("probes");
    tables.forEach((t, i) => {
      const k = Buffer.alloc(4);
      k.writeUInt32LE(i);
      mapUpdate(fd, k, t.desc);
    });
    attachAll(col, programs, targets, pid);
    const ring = col.ringBuffer("events", { map: "lost", index: 0 });
    return { ring, close: () => col.close() };
  } catch (err) {
    col.close();
    throw err;
  }
}

/** One record of the ring, decoded: every slot's number and string. Pure. */
export function decodeEvent(
  b: Buffer,
  off: number,
): { pid: number; tid: number; probe: number; comm: string; vals: bigint[]; strs: string[] } {
  const vals: bigint[] = [];
  const strs: string[] = [];
  for (let i = 0; i < MAX_SLOTS; i++) {
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
