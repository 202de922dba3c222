// Finds readline() (in /bin/bash, else the libreadline bash links, or the library -s
// names: probe-targets.ts resolves it like any r:LIB:func spec), loads bashreadline.bpf.o
// and attaches its uretprobe there. The only module of the tool that touches libbpf.
import type { Collection } from "../../bpf/collection.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { InputError } from "../../errors.js";
import { attachProbe } from "../probe-attach.js";
import { parseProbeSpec } from "../probe-spec.js";
import { resolveProbes, type UprobeTarget } from "../probe-targets.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";

/** readline() in `lib` (a path or a library name); by default /bin/bash's, else libreadline's. */
export function findReadline(lib: string | undefined): UprobeTarget {
  const resolve = (where: string) =>
    resolveProbes(parseProbeSpec(`r:${where}:readline`, false), {
      allow: ["uretprobe"],
      tool: "bashreadline",
      regex: false,
      pid: null,
    })[0] as UprobeTarget;
  if (lib) return resolve(lib);
  try {
    return resolve("/bin/bash");
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return resolve("readline");
  }
}

export function loadBashreadline(target: UprobeTarget): SnoopSource {
  const object = {
    name: "bashreadline",
    programs: ["bashreadline_return"],
    config: Buffer.alloc(0),
    attach: (col: Collection) => void attachProbe(col, "bashreadline_return", target, 0, null, true),
  };
  return loadToolObject(object, (col) => ringSource(col, { ring: 0 }));
}
