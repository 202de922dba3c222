// Each probe's table (probe-values.ts: where the specifier's value is at that target, then
// what its filter reads, and the filter's bytecode), loading argdist.bpf.o with those
// tables, attaching every probe (its index as cookie), and reading the counts and
// histograms. The only libbpf user of the tool.
import type { Collection } from "../../bpf/collection.js";
import { arrayU64, mapEntries, mapUpdate } from "../../bpf/maps.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { layout } from "../../sources/bpf/records.js";
import { HIST_SLOTS, LOG_HIST } from "../hist-tool.js";
import { attachAll, programsFor } from "../probe-attach.js";
import type { ProbeTarget } from "../probe-targets.js";
import { DESC, type NameContext, type ProbeTable, probeConfig, probeTable } from "../probe-values.js";
import { type ArgdistSpec, scalarType } from "./argdist-spec.js";

const PROBE = layout("argdist_probe", [
  ["desc", { array: "u64", len: DESC.size / 8 }],
  ["hist", "u8"],
  ["value_slot", "u8"],
  ["pad", "u16"],
  ["spec", "u32"],
]);
const COUNT_KEY = layout("count_key", [
  ["spec", "u32"],
  ["pad", "u32"],
  ["value", "u64"],
]);

const PROGRAMS = { uprobe: "argdist_uprobe", tracepoint: "argdist_tracepoint" };

/** One probe's table, how it is counted and for which specifier. */
export interface ArgdistProbe {
  table: ProbeTable;
  hist: boolean;
  /** Index of the specifier. */
  spec: number;
  /** The counted value is signed. */
  signed: boolean;
}

/**
 * The table of `spec` at `target`: its value first (a parameter or $retval read as TYPE; a
 * USDT argument or tracepoint field as the note or format says), then its filter's values.
 */
export function argdistProbe(
  spec: ArgdistSpec,
  index: number,
  hist: boolean,
  target: ProbeTarget,
): ArgdistProbe {
  const t = scalarType(spec.type)!;
  const params = spec.params.map((p) => ({
    name: p.name,
    ...(p.name === spec.expr ? t : (scalarType(p.type) ?? { size: 8, signed: false })),
  }));
  const ctx: NameContext = { params, retval: t, bareFields: true };
  const table = probeTable(
    target,
    [{ name: spec.expr, asString: false }],
    spec.filter && { expr: spec.filter, text: spec.filterText },
    ctx,
  );
  return { table, hist, spec: index, signed: table.slots[table.valueSlots[0]].signed };
}

export interface ArgdistData {
  /** (spec, value) → events, cumulative. */
  counts(): Map<string, { spec: number; value: bigint; count: number }>;
  /** spec → counts per log2 slot, cumulative. */
  hists(): Map<number, number[]>;
  lost(): number;
  close(): void;
}

export function loadArgdist(
  targets: readonly ProbeTarget[],
  probes: readonly ArgdistProbe[],
  pid: number | null,
): ArgdistData {
  /** The probe table (where each probe's value is), then every probe attached. */
  const attach = (col: Collection) => {
    const fd = col.mapFd("probes");
    probes.forEach((p, i) => {
      const v = Buffer.alloc(PROBE.size);
      p.table.desc.copy(v, PROBE.off.desc);
      v[PROBE.off.hist] = p.hist ? 1 : 0;
      v[PROBE.off.value_slot] = p.table.valueSlots[0];
      v.writeUInt32LE(p.spec, PROBE.off.spec);
      const k = Buffer.alloc(4);
      k.writeUInt32LE(i);
      mapUpdate(fd, k, v);
    });
    attachAll(col, PROGRAMS, targets, pid);
  };
  const object = {
    name: "argdist",
    programs: programsFor(PROGRAMS, targets),
    config: probeConfig(pid),
    maxEntries: { probes: Math.max(1, targets.length) },
    attach,
  };
  return loadToolObject(object, (col) => readers(col));
}

function readers(col: Collection): ArgdistData {
  const counts = col.mapFd("counts");
  const hists = col.mapFd("hists");
  const lost = col.mapFd("lost");
  return {
    counts() {
      const out = new Map<string, { spec: number; value: bigint; count: number }>();
      for (const [k, v] of mapEntries(counts, COUNT_KEY.size, 8)) {
        const spec = k.readUInt32LE(COUNT_KEY.off.spec);
        const value = k.readBigUInt64LE(COUNT_KEY.off.value);
        out.set(`${spec}:${value}`, { spec, value, count: Number(v.readBigUInt64LE(0)) });
      }
      return out;
    },
    hists() {
      const out = new Map<number, number[]>();
      for (const [k, v] of mapEntries(hists, 4, LOG_HIST.size)) {
        const slots: number[] = [];
        for (let i = 0; i < HIST_SLOTS; i++) slots.push(v.readUInt32LE(LOG_HIST.off.slots + 4 * i));
        out.set(k.readUInt32LE(0), slots);
      }
      return out;
    },
    lost: () => arrayU64(lost, 0),
    close: () => col.close(),
  };
}
