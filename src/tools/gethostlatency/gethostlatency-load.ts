// Finds getaddrinfo, gethostbyname and gethostbyname2 in libc (or the library -l names;
// probe-targets.ts resolves them like p:LIB:func specs), loads gethostlatency.bpf.o and
// attaches a uretprobe and a uprobe to each, its index as cookie. The only module of the
// tool that touches libbpf.
import type { Collection } from "../../bpf/collection.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { attachProbe } from "../probe-attach.js";
import { parseProbeSpec } from "../probe-spec.js";
import { resolveProbes, type UprobeTarget } from "../probe-targets.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";
import { configBytes, FUNCS, LOST_RING, LOST_START } from "./gethostlatency-records.js";

/** The functions in `lib` (a path or a library name; default libc), in FUNCS order. */
export function findLookups(lib: string | undefined, pid: number | null): UprobeTarget[] {
  return FUNCS.map(
    (f) =>
      resolveProbes(parseProbeSpec(`p:${lib ?? "c"}:${f}`, false), {
        allow: ["uprobe"],
        tool: "gethostlatency",
        regex: false,
        pid,
      })[0] as UprobeTarget,
  );
}

export function loadGethostlatency(targets: readonly UprobeTarget[], pid: number | null): SnoopSource {
  const object = {
    name: "gethostlatency",
    programs: ["gethostlatency_entry", "gethostlatency_return"],
    config: configBytes(pid ?? 0),
    attach(col: Collection) {
      // Returns first: a call whose entry is seen is then timed at its return.
      for (const [i, t] of targets.entries()) attachProbe(col, "gethostlatency_return", t, i, pid, true);
      for (const [i, t] of targets.entries()) attachProbe(col, "gethostlatency_entry", t, i, pid, false);
    },
  };
  return loadToolObject(object, (col) => ringSource(col, { ring: LOST_RING, start: LOST_START }));
}
