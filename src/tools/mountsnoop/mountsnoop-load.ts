// Loads mountsnoop.bpf.o with its config and attaches the entry and exit tracepoints of
// mount and umount2; the records arrive in a ring buffer. The only module of the tool that
// touches libbpf, imported when the command runs.
import { loadToolObject } from "../../bpf/tool-object.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";
import { configBytes, LOST_RING, LOST_START, type MountsnoopConfig, SYSCALLS } from "./mountsnoop-records.js";

export function loadMountsnoop(config: MountsnoopConfig): SnoopSource {
  // exits before entries: a call whose entry is seen is then always seen returning.
  const programs = [
    ...SYSCALLS.map((s) => `mountsnoop_exit_${s}`),
    ...SYSCALLS.map((s) => `mountsnoop_enter_${s}`),
  ];
  const object = { name: "mountsnoop", programs, config: configBytes(config) };
  return loadToolObject(object, (col) => ringSource(col, { ring: LOST_RING, start: LOST_START }));
}
