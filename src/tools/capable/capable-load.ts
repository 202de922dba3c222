// Loads capable.bpf.o with its config and attaches it to capability:cap_capable, said as
// NotSupported in one line when this kernel has no such tracepoint. The only module of the
// tool that touches libbpf, imported when the command runs.
import { loadToolObject } from "../../bpf/tool-object.js";
import { NotSupported } from "../../errors.js";
import { openTracefs } from "../../platform/tracefs.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";
import { type CapableConfig, configBytes, LOST_RING } from "./capable-records.js";

export function loadCapable(config: CapableConfig): SnoopSource {
  if (!openTracefs().events("capability").includes("cap_capable"))
    throw new NotSupported("capable", "this kernel has no capability:cap_capable tracepoint");
  const object = {
    name: "capable",
    programs: ["capable_check"],
    config: configBytes(config),
    cgroup: config.cgroup,
  };
  return loadToolObject(object, (col) => ringSource(col, { ring: LOST_RING }));
}
