// Finds the JVM's libjvm.so in the process's maps and HotSpot's four GC probes in its
// `.note.stapsdt` notes (probe-targets.ts, as funccount's u:LIB:provider:probe specs),
// loads javagc.bpf.o and attaches its program to each probe for that process, the probe's
// index in PROBES as cookie. The only module of the tool that touches libbpf.
import { readFileSync } from "node:fs";
import type { Collection } from "../../bpf/collection.js";
import { loadToolObject } from "../../bpf/tool-object.js";
import { InputError, NotSupported } from "../../errors.js";
import { libraryInMaps } from "../../platform/libraries.js";
import { attachProbe } from "../probe-attach.js";
import { parseProbeSpec } from "../probe-spec.js";
import { resolveProbes, type UprobeTarget } from "../probe-targets.js";
import { ringSource } from "../snoop-source.js";
import type { SnoopSource } from "../snoop-tool.js";
import { configBytes, LOST_RING, LOST_START, PROBES } from "./javagc-records.js";

/** The libjvm.so process `pid` maps, through /proc/PID/root (a JVM in a container: its file). */
export function jvmLibrary(pid: number): string {
  let maps: string;
  try {
    maps = readFileSync(`/proc/${pid}/maps`, "utf8");
  } catch {
    throw new InputError(`no process ${pid}`);
  }
  const lib = libraryInMaps(maps, "libjvm");
  if (!lib) throw new InputError(`process ${pid} has no libjvm.so mapped: not a HotSpot JVM`);
  return `/proc/${pid}/root${lib}`;
}

/** Each of PROBES in `lib`, with its index (a probe may sit at several places). */
export function findGcProbes(lib: string, pid: number): { probe: number; target: UprobeTarget }[] {
  return PROBES.flatMap((name, probe) => {
    let targets: UprobeTarget[];
    try {
      targets = resolveProbes(parseProbeSpec(`u:${lib}:hotspot:${name}`, false), {
        allow: ["usdt"],
        tool: "javagc",
        regex: false,
        pid,
      }) as UprobeTarget[];
    } catch (err) {
      if (!(err instanceof InputError) || !/^no USDT probe matches/.test(err.message)) throw err;
      throw new NotSupported(
        "javagc",
        `${lib} has no USDT probe hotspot:${name} (a JVM built without DTrace probes: OpenJDK's configure --enable-dtrace)`,
        { cause: err },
      );
    }
    return targets.map((target) => ({ probe, target }));
  });
}

export function loadJavagc(pid: number, minUs: number): SnoopSource {
  const probes = findGcProbes(jvmLibrary(pid), pid);
  const object = {
    name: "javagc",
    programs: ["javagc_probe"],
    config: configBytes(minUs),
    attach(col: Collection) {
      for (const { probe, target } of probes) attachProbe(col, "javagc_probe", target, probe, pid);
    },
  };
  return loadToolObject(object, (col) => ringSource(col, { ring: LOST_RING, start: LOST_START }));
}
