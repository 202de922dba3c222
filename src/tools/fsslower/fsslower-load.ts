// Loads fsslower.bpf.o with its config and attaches the entry and exit tracepoints of the
// file syscalls this kernel has (fs-ops.ts); the records arrive in a ring buffer. The only
// module of the tool that touches libbpf, imported when the command runs.
import { loadToolObject } from "../../bpf/tool-object.js";
import { openTracefs } from "../../platform/tracefs.js";
import { FS_SYSCALLS, fsopPrograms, syscallsTraced } from "../fs-ops.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";
import { configBytes, type FsslowerConfig, LOST_RING, LOST_START } from "./fsslower-records.js";

export function loadFsslower(config: FsslowerConfig): SnoopSource {
  const syscalls = syscallsTraced(FS_SYSCALLS, openTracefs().events("syscalls"));
  const object = {
    name: "fsslower",
    programs: fsopPrograms("fsslower", syscalls),
    config: configBytes(config),
  };
  return loadToolObject(object, (col) => ringSource(col, { ring: LOST_RING, start: LOST_START }));
}
