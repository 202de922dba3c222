// Loads sigsnoop.bpf.o with its config and attaches either signal:signal_generate
// (sigsnoop) or the entry and exit tracepoints of kill, tkill and tgkill (sigsnoop -k,
// killsnoop); the records arrive in a ring buffer. The only module of the two tools that
// touches libbpf, imported when the command runs.
import { loadToolObject } from "../../bpf/tool-object.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";
import {
  configBytes,
  KILL_SYSCALLS,
  LOST_RING,
  LOST_START,
  type SigsnoopConfig,
} from "./sigsnoop-records.js";

/** `kill`: the kill-family syscalls only (killsnoop), not every generated signal. */
export function loadSigsnoop(config: SigsnoopConfig, kill: boolean): SnoopSource {
  // exits before entries: a call whose entry is seen is then always seen returning.
  const programs = kill
    ? [...KILL_SYSCALLS.map((s) => `sigsnoop_exit_${s}`), ...KILL_SYSCALLS.map((s) => `sigsnoop_enter_${s}`)]
    : ["sigsnoop_generate"];
  const object = { name: "sigsnoop", programs, config: configBytes(config) };
  return loadToolObject(object, (col) => ringSource(col, { ring: LOST_RING, start: LOST_START }));
}
