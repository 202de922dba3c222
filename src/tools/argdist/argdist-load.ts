// Where each specifier's value is (argdist-spec.ts → the kernel's probe table: a
// tracepoint field's offset and size from its format file, a parameter register, the
// return register), loading argdist.bpf.o with that table, attaching every probe (its
// index as cookie), and reading the counts and histograms. The only libbpf user of the tool.
import type { Collection } from "../../bpf/collection.js";
import { arrayU64, mapEntries, mapUpdate } from "../../bpf/maps.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { InputError } from "../../errors.js";
import { openTracefs } from "../../platform/tracefs.js";
import { layout } from "../../sources/bpf/records.js";
import { HIST_SLOTS, LOG_HIST } from "../hist-tool.js";
import { attachAll, programsFor } from "../probe-attach.js";
import type { ProbeTarget } from "../probe-targets.js";
import { type ArgdistSpec, scalarType } from "./argdist-spec.js";

const PROBE = layout("argdist_probe", [
  ["source", "u8"],
  ["size", "u8"],
  ["is_signed", "u8"],
  ["hist", "u8"],
  ["offset", "u16"],
  ["param", "u8"],
  ["pad", "u8"],
  ["spec", "u32"],
  ["pad2", "u32"],
]);
const CONFIG = layout("argdist_config", [
  ["filter_pid", "u32"],
  ["pad", "u32"],
]);
const COUNT_KEY = layout("count_key", [
  ["spec", "u32"],
  ["pad", "u32"],
  ["value", "u64"],
]);

const PROGRAMS = { uprobe: "argdist_uprobe", tracepoint: "argdist_tracepoint" };

/** Where one probe's value is read and how it is counted. */
export interface ValueSource {
  source: "field" | "param" | "retval";
  size: number;
  signed: boolean;
  offset: number;
  param: number;
  hist: boolean;
  /** Index of the specifier. */
  spec: number;
}

/** The value source of `spec` at `target` (a tracepoint's field is looked up in its format). */
export function valueSource(
  spec: ArgdistSpec,
  index: number,
  hist: boolean,
  target: ProbeTarget,
): ValueSource {
  const base = { hist, spec: index, offset: 0, param: 0 };
  const t = scalarType(spec.type)!;
  if (target.kind === "tracepoint") {
    const fmt = openTracefs().format(target.category, target.event);
    const f = fmt.fields.find((x) => x.name === spec.expr);
    if (!f)
      throw new InputError(
        `${target.category}:${target.event} has no field '${spec.expr}' (its fields: ${fmt.fields.map((x) => x.name).join(", ")})`,
      );
    if (f.arrayLen !== null || f.type.includes("__data_loc") || ![1, 2, 4, 8].includes(f.size))
      throw new InputError(
        `${target.category}:${target.event}: field '${f.name}' (${f.type}) is not a number`,
      );
    return { ...base, source: "field", size: f.size, signed: f.signed, offset: f.offset };
  }
  if (spec.expr === "$retval") return { ...base, source: "retval", size: t.size, signed: t.signed };
  const i = spec.params.findIndex((p) => p.name === spec.expr);
  return { ...base, source: "param", size: t.size, signed: t.signed, param: i + 1 };
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
  sources: readonly ValueSource[],
  pid: number | null,
): ArgdistData {
  const cfg = Buffer.alloc(CONFIG.size);
  cfg.writeUInt32LE(pid ?? 0, CONFIG.off.filter_pid);
  /** The probe table (where each probe's value is), then every probe attached. */
  const attach = (col: Collection) => {
    const fd = col.mapFd("probes");
    sources.forEach((s, i) => {
      const v = Buffer.alloc(PROBE.size);
      v[PROBE.off.source] = s.source === "field" ? 0 : s.source === "param" ? 1 : 2;
      v[PROBE.off.size] = s.size;
      v[PROBE.off.is_signed] = s.signed ? 1 : 0;
      v[PROBE.off.hist] = s.hist ? 1 : 0;
      v.writeUInt16LE(s.offset, PROBE.off.offset);
      v[PROBE.off.param] = s.param;
      v.writeUInt32LE(s.spec, PROBE.off.spec);
      const k = Buffer.alloc(4);
      k.writeUInt32LE(i);
      mapUpdate(fd, k, v);
    });
    attachAll(col, PROGRAMS, targets, pid);
  };
  const object = {
    name: "argdist",
    programs: programsFor(PROGRAMS, targets),
    config: cfg,
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
