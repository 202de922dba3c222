// Loads biosnoop.bpf.o with its config and attaches its block tracepoints on the pair this
// kernel supports (tp_btf, else raw_tp); the records arrive in a ring buffer. The only
// module of the tool that touches libbpf, imported when the command runs.
import { hookPair, pairPrograms } from "../../bpf/probes.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";
import { type BiosnoopConfig, configBytes, LOST_RING, LOST_START } from "./biosnoop-records.js";

export function loadBiosnoop(config: BiosnoopConfig): SnoopSource {
  const kind = hookPair("biosnoop", "tp_btf_block");
  // complete first: a request timed after attach is always seen completing.
  const hooks = ["complete", "issue", ...(config.queued ? ["insert"] : []), "getrq"];
  const object = {
    name: "biosnoop",
    programs: pairPrograms(
      kind,
      hooks.map((h) => `biosnoop_${h}`),
    ),
    config: configBytes(config),
    cgroup: config.cgroup,
  };
  return loadToolObject(object, (col) => ringSource(col, { ring: LOST_RING, start: LOST_START }));
}
