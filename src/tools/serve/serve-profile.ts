// `tsnap serve --live`'s on-CPU and off-CPU flame graphs of one process for N seconds:
// `tsnap profile -p PID N` or `tsnap offcputime -p PID N` (their own option parsers,
// BPF objects and symbolizers), folded as their -f prints, laid out and drawn as `tsnap
// flame` draws any folded input. One recording at a time (a second request while one
// runs is 503): each loads a BPF object and samples for its seconds.
import { TsnapError } from "../../errors.js";
import { renderFolded } from "../../report/stack-report.js";
import { parseFolded } from "../flame/folded.js";
import { DEFAULT_SVG, renderSvg } from "../flame/svg.js";
import { flow } from "../flame/tree.js";
import { offcputime, parseOffcpuArgs } from "../offcputime/offcputime.js";
import { parseProfileArgs, profile } from "../profile/profile.js";

export type ProfileKind = "cpu" | "offcpu";

export interface ProfileParams {
  kind: ProfileKind;
  pid: number;
  seconds: number;
}

export class ProfileBusyError extends TsnapError {}

let running = false;

/** Records the process for `p.seconds` and returns the flame graph SVG. */
export async function profileSvg(p: ProfileParams, signal: AbortSignal): Promise<string> {
  if (running) throw new ProfileBusyError("busy: a profile is being recorded; try again when it ends");
  running = true;
  try {
    const argv = ["-p", String(p.pid), String(p.seconds)];
    let folded: string;
    let unit: string;
    if (p.kind === "cpu") {
      const o = parseProfileArgs(argv);
      folded = renderFolded((await profile(o, signal)).rows, o);
      unit = `samples at ${o.hz} Hz`;
    } else {
      const o = parseOffcpuArgs(argv);
      folded = renderFolded((await offcputime(o, signal)).rows, o);
      unit = "µs off CPU";
    }
    let stacks = parseFolded(folded, p.kind === "cpu" ? "profile" : "offcputime");
    if (stacks.length === 0) stacks = [{ frames: ["(no samples)"], count: 0 }];
    const what = p.kind === "cpu" ? "On-CPU" : "Off-CPU";
    return renderSvg(flow(stacks), {
      ...DEFAULT_SVG,
      title: `${what} flame graph of PID ${p.pid}`,
      subtitle: `${p.seconds} s, ${p.kind === "cpu" ? "tsnap profile" : "tsnap offcputime"} -p ${p.pid}; widths in ${unit}`,
      countName: p.kind === "cpu" ? "samples" : "µs",
    });
  } finally {
    running = false;
  }
}
