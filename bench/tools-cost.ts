// Benchmark of the bcc-class tools beside libbpf-tools' C binaries (issue #10's figures):
// 1. Start-up: exec to attached, as the tool's first output says (its header or its
//    "Tracing..." line; the C tools under `stdbuf -oL` so that the line is not held in
//    stdio's buffer), each tool --reps times alternating with the C tool; min and median.
// 2. Storms: opensnoop beside open-storm.c (3N opens by one thread as fast as it can) and
//    execsnoop -x beside exec-storm.c (N fork+execs that succeed, N that fail): events
//    made (the workload's own count), delivered (lines naming the workload), lost, the
//    workload's rate, the tool's CPU (its threads' schedstat time on CPU from attached
//    to drained) per 1,000 events, and the kernel's cost per event (bpf_stats: run_time_ns of
//    the programs behind the tool's fds, via `bpftool prog show id`, over the events made).
//   node dist/bench/tools-cost.js [--reps 3] [--opens 100000] [--execs 2000] [--storms-only | --startup-only]
//     [--tools opensnoop,execsnoop]   (start-up of these tools only)
//     [--versus OTHER/bin/tsnap.js]   (start-up of another tsnap too, alternating: a before/after)
// (root; run alone, under the CPU lock: another workload on 2 CPUs is what it would measure)
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { renderTable } from "../src/report/table.js";
import { TSNAP_BIN } from "../src/testkit/cli.js";
import { compileWorkload, signalAndWait, startWorkload } from "../src/testkit/workloads.js";

const { values } = parseArgs({
  options: {
    reps: { type: "string", default: "3" },
    opens: { type: "string", default: "100000" },
    execs: { type: "string", default: "2000" },
    "storms-only": { type: "boolean", default: false },
    "startup-only": { type: "boolean", default: false },
    tools: { type: "string" },
    versus: { type: "string" },
  },
});
const reps = Number(values.reps);
const TOOLS_DIR = fileURLToPath(new URL("../src/tools/", import.meta.url));
/** Tools whose C binary Debian's libbpf-tools ships; each started with no arguments. */
const STARTUP = [
  "opensnoop",
  "execsnoop",
  "biolatency",
  "biotop",
  "runqlat",
  "cpudist",
  "syscount",
  "hardirqs",
  "softirqs",
  "filelife",
  "capable",
  "klockstat",
  "tcpconnect",
  "tcptracer",
  "bindsnoop",
  "bashreadline",
  "gethostlatency",
];
const cTool = (name: string) =>
  ["/usr/sbin", "/usr/bin"].map((d) => join(d, name)).find((p) => existsSync(p));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Traced {
  pid: number;
  /** ms from spawn to the first output byte; null when it exited first. */
  attachedMs: number | null;
  out(): string;
  err(): string;
  stop(): Promise<void>;
}

/**
 * Starts a tracer and resolves once it printed something (attached) or exited; with
 * `quiet`, at once (the caller waits for its links: a C tool's stdout into a pipe is held in
 * stdio's buffer).
 */
function trace(cmd: string[], quiet = false): Promise<Traced> {
  const t0 = performance.now();
  const child = spawn(cmd[0], cmd.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return new Promise((res) => {
    let done = false;
    const settle = (attached: boolean) => {
      if (done) return;
      done = true;
      res({
        pid: child.pid ?? 0,
        attachedMs: attached ? performance.now() - t0 : null,
        out: () => out,
        err: () => err,
        stop: async () => {
          child.kill("SIGINT");
          const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
          await exited;
          clearTimeout(killer);
        },
      });
    };
    child.stdout.on("data", (d) => {
      out += d;
      settle(true);
    });
    child.stderr.on("data", (d) => {
      err += d;
      // libbpf's warnings precede a failed load: only a line that is not one counts.
      if (!/^(libbpf|failed|ERROR|Error)/m.test(err)) settle(true);
    });
    child.once("exit", () => settle(false));
    if (quiet) setImmediate(() => settle(true));
  });
}

/**
 * Waits until a process holds BPF links and their number stopped growing for 300 ms (all
 * its programs attached); false after 30 s (a loaded machine) or once it exited.
 */
async function linked(pid: number): Promise<boolean> {
  let last = 0;
  let since = Date.now();
  for (const end = Date.now() + 30_000; Date.now() < end; await sleep(20)) {
    let n = 0;
    try {
      for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
        try {
          if (/^link_type:/m.test(readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8"))) n++;
        } catch {
          // closed meanwhile
        }
      }
    } catch {
      return false;
    }
    if (n !== last) {
      last = n;
      since = Date.now();
    } else if (n > 0 && Date.now() - since >= 300) return true;
  }
  return false;
}

const tsnapCmd = (tool: string, args: string[]) => [process.execPath, TSNAP_BIN, tool, ...args];
const cCmd = (bin: string, args: string[]) => ["stdbuf", "-oL", bin, ...args];

/** CPU ms of a live process: its threads' time on CPU from schedstat (ns; ticks would round a C tool's 400 events to 2). */
function cpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // the thread exited
    }
  }
  return ns / 1e6;
}

/** run_time_ns summed over the BPF programs a process holds, found by its fds (bpf_stats must be on). */
function bpfRunNs(pid: number): number {
  const ids = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    try {
      const m = /^prog_id:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8"));
      if (m) ids.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  let ns = 0;
  for (const id of ids) {
    const p = JSON.parse(execFileSync("bpftool", ["prog", "show", "id", id, "--json"], { encoding: "utf8" }));
    ns += Number(p.run_time_ns ?? 0);
  }
  return ns;
}

async function startup(): Promise<string> {
  const rows: string[][] = [];
  for (const name of values.tools ? values.tools.split(",") : STARTUP) {
    const c = cTool(name);
    const ours = existsSync(join(TOOLS_DIR, name));
    if (!ours) {
      rows.push([name, "not in this tsnap", ...(values.versus ? [""] : []), "", ""]);
      continue;
    }
    const t: number[] = [];
    const vt: number[] = [];
    const ct: number[] = [];
    let cNote = c ? "" : "no C binary";
    for (let i = 0; i < reps; i++) {
      const a = await trace(tsnapCmd(name, []));
      await a.stop();
      if (a.attachedMs !== null) t.push(a.attachedMs);
      if (values.versus) {
        const v = await trace([process.execPath, values.versus, name]);
        await v.stop();
        if (v.attachedMs !== null) vt.push(v.attachedMs);
      }
      if (c && !cNote) {
        const b = await trace(cCmd(c, []));
        await b.stop();
        if (b.attachedMs === null)
          cNote = `does not load here (${b.err().trim().split("\n").pop()?.slice(0, 50)})`;
        else ct.push(b.attachedMs);
      }
    }
    const fmt = (xs: number[]) =>
      xs.length ? `${Math.min(...xs).toFixed(0)} / ${median(xs).toFixed(0)}` : "";
    const versus = values.versus ? [vt.length ? fmt(vt) : "did not attach"] : [];
    rows.push([name, t.length ? fmt(t) : "did not attach", ...versus, cNote || fmt(ct), ""]);
  }
  const versusHead = values.versus ? [`${values.versus} ms min / median`] : [];
  return renderTable(
    ["tool", "tsnap ms min / median", ...versusHead, "libbpf-tools ms min / median", ""],
    rows,
  );
}

interface StormRow {
  tracer: string;
  made: number;
  delivered: number;
  ratePerS: number;
  cpuPer1k: number;
  kernelNsPerEvent: number;
}

async function storm(
  label: string,
  cmd: (pid: string) => string[],
  workload: () => Promise<{
    pid: string;
    go: () => Promise<{ made: number; seconds: number }>;
    match: RegExp;
    /** Text of a line that is the workload's own start, not one of its events. */
    own?: string;
    stop: () => Promise<void>;
  }>,
): Promise<StormRow | null> {
  const w = await workload();
  const t = await trace(cmd(w.pid), true);
  if (!(await linked(t.pid))) {
    await t.stop();
    await w.stop();
    process.stderr.write(
      `${label}: not attached within 30 s (${t.err().trim().split("\n").pop() ?? ""}): no row\n`,
    );
    return null;
  }
  const cpu0 = cpuMs(t.pid);
  const ns0 = bpfRunNs(t.pid);
  const { made, seconds } = await w.go();
  await sleep(1000); // the ring drains
  const cpu1 = cpuMs(t.pid);
  const ns1 = bpfRunNs(t.pid);
  await t.stop();
  const delivered = t
    .out()
    .split("\n")
    .filter((l) => w.match.test(l) && !(w.own && l.includes(w.own))).length;
  return {
    tracer: label,
    made,
    delivered,
    ratePerS: made / seconds,
    cpuPer1k: ((cpu1 - cpu0) / Math.max(1, delivered)) * 1000,
    kernelNsPerEvent: (ns1 - ns0) / made,
  };
}

async function storms(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "tsnap-tools-cost-"));
  const openBin = compileWorkload("open-storm");
  const execBin = compileWorkload("exec-storm");
  const n = Math.ceil(Number(values.opens) / 3);
  const openWorkload = async () => {
    const tag = `s${Date.now()}`;
    const w = await startWorkload(openBin, [String(n), dir, tag]);
    return {
      pid: w.ready[1],
      match: new RegExp(tag),
      stop: () => w.stop(),
      go: async () => {
        const t0 = performance.now();
        const out = await signalAndWait(w);
        const [, ok, failed] = /done (\d+) (\d+)/.exec(out) ?? [];
        return { made: Number(ok) + Number(failed), seconds: (performance.now() - t0) / 1000 };
      },
    };
  };
  const execWorkload = async () => {
    const tag = `x${Date.now()}`;
    // exec-storm starts at once: a shell that waits for a line on stdin holds it back.
    const fifo = join(dir, `${tag}.go`);
    writeFileSync(fifo, "");
    const sh = spawn(
      "sh",
      [
        "-c",
        `while [ ! -s ${fifo} ]; do sleep 0.01; done; exec ${execBin} ${Number(values.execs) / 2} ${tag}`,
      ],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    sh.stdout.on("data", (d) => {
      out += d;
    });
    const exited = new Promise<void>((r) => sh.once("exit", () => r()));
    return {
      pid: String(sh.pid),
      match: new RegExp(tag),
      own: execBin,
      stop: async () => {
        sh.kill("SIGKILL");
        await exited;
      },
      go: async () => {
        const t0 = performance.now();
        writeFileSync(fifo, "go\n");
        await exited;
        const [, ok, failed] = /done (\d+) (\d+)/.exec(out) ?? [];
        return { made: Number(ok) + Number(failed), seconds: (performance.now() - t0) / 1000 };
      },
    };
  };
  execFileSync("sysctl", ["-q", "kernel.bpf_stats_enabled=1"]);
  const rows: StormRow[] = [];
  try {
    const cOpen = cTool("opensnoop");
    const cExec = cTool("execsnoop");
    for (let i = 0; i < reps; i++) {
      const r = [
        await storm("tsnap opensnoop -p", (p) => tsnapCmd("opensnoop", ["-p", p]), openWorkload),
        cOpen ? await storm("libbpf-tools opensnoop -p", (p) => [cOpen, "-p", p], openWorkload) : null,
        await storm("tsnap execsnoop -x", () => tsnapCmd("execsnoop", ["-x"]), execWorkload),
        cExec ? await storm("libbpf-tools execsnoop -x", () => [cExec, "-x"], execWorkload) : null,
      ];
      rows.push(...r.filter((x): x is StormRow => x !== null));
    }
  } finally {
    execFileSync("sysctl", ["-q", "kernel.bpf_stats_enabled=0"]);
    rmSync(dir, { recursive: true, force: true });
  }
  const by = new Map<string, StormRow[]>();
  for (const r of rows) by.set(r.tracer, [...(by.get(r.tracer) ?? []), r]);
  const table = [...by].map(([tracer, xs]) => [
    tracer,
    String(median(xs.map((x) => x.made))),
    `${Math.min(...xs.map((x) => x.delivered))} / ${median(xs.map((x) => x.delivered))}`,
    `${Math.max(...xs.map((x) => x.made - x.delivered))}`,
    median(xs.map((x) => x.ratePerS)).toFixed(0),
    `${Math.min(...xs.map((x) => x.cpuPer1k)).toFixed(1)} / ${median(xs.map((x) => x.cpuPer1k)).toFixed(1)}`,
    `${Math.min(...xs.map((x) => x.kernelNsPerEvent)).toFixed(0)} / ${median(xs.map((x) => x.kernelNsPerEvent)).toFixed(0)}`,
  ]);
  return renderTable(
    [
      "tracer",
      "events made",
      "delivered min / median",
      "lost (max)",
      "workload events/s",
      "tool CPU ms per 1k events min / median",
      "kernel ns per event min / median",
    ],
    table,
  );
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("needs root");
  if (!values["storms-only"])
    process.stdout.write(`Start-up: exec to the first output line (reps ${reps})\n${await startup()}\n`);
  if (!values["startup-only"]) process.stdout.write(`Storms (reps ${reps})\n${await storms()}`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : err}\n`);
  process.exitCode = 1;
});
