// Loads drsnoop.bpf.o with its config and attaches the vmscan reclaim tracepoints this
// kernel has (ends before begins: a reclaim whose begin is seen is then seen ending); the
// records arrive in a ring buffer. The only module of the tool that touches libbpf.
import { loadToolObject } from "../../bpf/tool-object.js";
import { openTracefs } from "../../platform/tracefs.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";
import { configBytes, type DrsnoopConfig, LOST_RING, LOST_START } from "./drsnoop-records.js";

/** The programs: the system's direct reclaim, and memory cgroups' where the kernel has them. Pure. */
export function drsnoopPrograms(globalOnly: boolean, vmscanEvents: readonly string[]): string[] {
  const memcg = !globalOnly && vmscanEvents.includes("mm_vmscan_memcg_reclaim_begin");
  return [
    "drsnoop_direct_end",
    ...(memcg ? ["drsnoop_memcg_end"] : []),
    "drsnoop_direct_begin",
    ...(memcg ? ["drsnoop_memcg_begin"] : []),
  ];
}

export function loadDrsnoop(config: DrsnoopConfig): SnoopSource {
  const programs = drsnoopPrograms(config.globalOnly, openTracefs().events("vmscan"));
  const object = { name: "drsnoop", programs, config: configBytes(config) };
  return loadToolObject(object, (col) => ringSource(col, { ring: LOST_RING, start: LOST_START }));
}
