// Benchmark: what `tsnap syscount` adds to every syscall of the machine, beside
// libbpf-tools' syscount. A getppid loop (ns per call, fastest of 7 runs of 2M calls) with
// nothing attached, with `tsnap syscount` (counting: sys_exit only), `tsnap syscount -L`
// (sys_enter + sys_exit), and libbpf-tools' `syscount` and `syscount -L`; the modes
// alternate, each `--reps` times; prints min and median.
//   node dist/bench/syscount-cost.js [--reps N]      (root; run under the CPU lock)
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { renderTable } from "../src/report/table.js";
import { TSNAP_BIN } from "../src/testkit/cli.js";
import { compileWorkload } from "../src/testkit/workloads.js";

const { values } = parseArgs({ options: { reps: { type: "string" } } });
const reps = Number(values.reps ?? 5);
const LIBBPF = ["/usr/sbin/syscount", "/usr/bin/syscount"].find((p) => existsSync(p));

function getppidNs(bin: string): number {
  const out = execFileSync(bin, ["2000000", "7"], { encoding: "utf8" });
  return Number(/ns_per_call ([\d.]+)/.exec(out)![1]);
}

/** Runs `f` while `cmd` traces (attached once it printed its "Tracing" line). */
async function tracing<T>(cmd: string[] | null, f: () => T): Promise<T> {
  if (cmd === null) return f();
  const child = spawn(cmd[0], cmd.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((res, rej) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("Ctrl+C to quit.")) res();
    });
    child.once("exit", (code) => rej(new Error(`${cmd.join(" ")} exited (${code})`)));
  });
  try {
    return f();
  } finally {
    child.kill("SIGINT");
    await new Promise((r) => child.once("exit", r));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("needs root");
  const bin = compileWorkload("getppid-loop");
  const tsnap = [process.execPath, TSNAP_BIN, "syscount", "-d", "600"];
  const modes: [string, string[] | null][] = [
    ["nothing attached", null],
    ["tsnap syscount", tsnap],
    ["tsnap syscount -L", [...tsnap, "-L"]],
  ];
  if (LIBBPF) {
    // stdbuf: its "Tracing" line would otherwise wait in stdio's buffer
    modes.push(["libbpf-tools syscount", ["stdbuf", "-oL", LIBBPF, "-d", "600"]]);
    modes.push(["libbpf-tools syscount -L", ["stdbuf", "-oL", LIBBPF, "-d", "600", "-L"]]);
  }
  const ns = new Map<string, number[]>(modes.map(([m]) => [m, []]));
  for (let i = 0; i < reps; i++) {
    for (const [name, cmd] of modes) ns.get(name)!.push(await tracing(cmd, () => getppidNs(bin)));
  }
  const base = median(ns.get("nothing attached")!);
  const rows = modes.map(([m]) => {
    const x = ns.get(m)!;
    return [m, Math.min(...x).toFixed(1), median(x).toFixed(1), (median(x) - base).toFixed(1)];
  });
  process.stdout.write(
    renderTable(["mode", "getppid ns min", "median", "added ns per syscall (median)"], rows),
  );
  process.stdout.write(`(reps ${reps})\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : err}\n`);
  process.exitCode = 1;
});
