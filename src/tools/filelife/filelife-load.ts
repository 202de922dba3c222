// Loads filelife.bpf.o with its config and attaches the open exits (a file created) and
// the unlink and rename entries and exits this kernel has; the records arrive in a ring buffer. The
// only module of the tool that touches libbpf, imported when the command runs.
import { loadToolObject } from "../../bpf/tool-object.js";
import { openTracefs } from "../../platform/tracefs.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";
import { configBytes, LOST_RING, LOST_START, OPENS, RENAMES, UNLINKS } from "./filelife-records.js";

export function loadFilelife(pid: number): SnoopSource {
  const events = new Set(openTracefs().events("syscalls"));
  const opens = OPENS.filter((s) => events.has(`sys_exit_${s}`));
  const calls = [...UNLINKS, ...RENAMES].filter((s) => events.has(`sys_enter_${s}`));
  // exits before entries: a call whose entry is seen is then always seen returning.
  const programs = [
    ...opens.map((s) => `filelife_exit_${s}`),
    ...calls.map((s) => `filelife_exit_${s}`),
    ...calls.map((s) => `filelife_enter_${s}`),
  ];
  const object = { name: "filelife", programs, config: configBytes(pid) };
  return loadToolObject(object, (col) => ringSource(col, { ring: LOST_RING, start: LOST_START }));
}
