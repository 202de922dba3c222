// bcc/libbpf-tools tools whose question no kernel like this one can answer, and why: what
// `tsnap doctor` lists under its commands and what `tsnap <name>` says in one line
// (docs/bcc-coverage.md: "not here"). Each names the kernel features it would need, so
// doctor words the verdict from its own probes.
import { existsSync } from "node:fs";
import type { FeatureName, ProbeResult } from "../bpf/probes.js";

export interface NotHere {
  /** bcc's name. */
  name: string;
  /** Why tsnap has no such command, in one line. */
  why: string;
  /** The features it would need (kprobe or fentry), when that is the reason. */
  needs?: FeatureName[];
}

export const NOT_HERE: readonly NotHere[] = [
  {
    name: "llcstat",
    why: "counts last-level cache references and misses, which needs a hardware PMU (perf cache events)",
  },
  {
    name: "mdflush",
    why: "md_flush_request has no tracepoint: it can only be traced with a kprobe or fentry",
    needs: ["kprobe", "fentry"],
  },
  {
    name: "ksnoop",
    why: "it prints any kernel function's arguments and return values, which needs kprobes or fentry",
    needs: ["kprobe", "fentry"],
  },
];

/** "cpu" (x86) or "armv8_pmuv3*" under /sys/bus/event_source/devices: a hardware PMU. */
function hasHardwarePmu(dir = "/sys/bus/event_source/devices"): boolean {
  return existsSync(`${dir}/cpu`) || existsSync(`${dir}/armv8_pmuv3_0`) || existsSync(`${dir}/armv8_pmuv3`);
}

/** Doctor's line for one: why not, with this machine's evidence (its probes' reasons). */
export function notHereDetail(t: NotHere, probes: ReadonlyMap<FeatureName, ProbeResult>): string {
  let evidence: string;
  if (t.needs) {
    const failed = t.needs
      .map((f) => probes.get(f))
      .filter((r): r is ProbeResult => r !== undefined && !r.ok);
    evidence = failed.length ? failed.map((r) => `${r.feature}: ${r.reason}`).join("; ") : "";
  } else evidence = hasHardwarePmu() ? "" : "no hardware PMU here: a VM without PMU passthrough?";
  return `not in tsnap: ${t.why}${evidence ? ` (${evidence})` : ""}`;
}
