// Loads oomkill.bpf.o and attaches oom:mark_victim; the records arrive in a ring buffer.
// The only module of the tool that touches libbpf, imported when the command runs.
import { loadToolObject } from "../../bpf/tool-object.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";

export function loadOomkill(): SnoopSource {
  const object = { name: "oomkill", programs: ["oomkill_mark_victim"], config: Buffer.alloc(0) };
  return loadToolObject(object, (col) => ringSource(col, { ring: 0 }));
}
