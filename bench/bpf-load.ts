// Benchmark: how long the bpf source takes to get its sampler object loaded and attached
// (feature probes + verifier + attach), each run in a fresh process so that nothing is
// cached: the probes (cached per process) are part of the cost. Three shapes: the default
// (tp_btf hooks + in-kernel clock), user stacks (the sleepable iterator, no clock), and
// hooks forced off (TSNAP_BPF_HOOKS=none: the iterator and clock alone). Prints min and
// median ms and how many verifier loads of the sampler object each took.
//   node dist/bench/bpf-load.js [--reps N]          (root; run under the CPU lock)
// The child mode (--child SHAPE) is what each fresh process runs.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { renderTable } from "../src/report/table.js";
import { loadSampler } from "../src/sources/bpf/load.js";

const { values } = parseArgs({ options: { reps: { type: "string" }, child: { type: "string" } } });

type Shape = "default" | "ustack" | "nohooks";
const SHAPES: Shape[] = ["default", "ustack", "nohooks"];

function child(shape: Shape): void {
  const t0 = performance.now();
  const loaded = loadSampler({
    selfTgid: process.pid,
    countTgid: process.pid,
    clockRingBytes: shape === "ustack" ? null : 4 << 20,
    all: false,
    pids: null,
    kstack: true,
    ustack: shape === "ustack",
    filename: false,
    args: true,
  });
  const ms = performance.now() - t0;
  const l = loaded as unknown as {
    loads?: number;
    coll?: { close(): void };
    obj?: { close(): void };
    hookLinks?: { close(): void }[];
  };
  // This script also runs against older trees (before the collection), to compare.
  if (l.coll) l.coll.close();
  else {
    for (const k of l.hookLinks ?? []) k.close();
    l.obj?.close();
  }
  process.stdout.write(`${JSON.stringify({ ms, loads: l.loads ?? null, flavour: loaded.spec.flavour })}\n`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

if (values.child) child(values.child as Shape);
else {
  const reps = Number(values.reps ?? 7);
  const self = fileURLToPath(import.meta.url);
  const rows: (string | number)[][] = [];
  for (const shape of SHAPES) {
    const ms: number[] = [];
    let loads: number | null = null;
    let flavour = "";
    for (let i = 0; i < reps; i++) {
      const env = { ...process.env, TSNAP_BPF_HOOKS: shape === "nohooks" ? "none" : "" };
      const out = JSON.parse(
        execFileSync(process.execPath, [self, "--child", shape], { env, encoding: "utf8" }),
      );
      ms.push(out.ms);
      loads = out.loads;
      flavour = out.flavour;
    }
    rows.push([shape, flavour, Math.round(Math.min(...ms)), Math.round(median(ms)), loads ?? "-"]);
  }
  process.stdout.write(renderTable(["shape", "hooks", "min ms", "median ms", "verifier loads"], rows));
}
