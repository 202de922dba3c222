// Running a tsnap tool and libbpf-tools' C version of it side by side on one workload:
// ours in-process (main() with an Io whose signal is our Ctrl-C), theirs as a child
// stopped with SIGINT; both resolve `started` once their "Tracing..." line is out. And
// the parsing of bcc's log2 histogram text, which both print, into counts per slot.
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname } from "node:path";
import { main } from "../cli/main.js";
import { runCli, TSNAP_BIN } from "./cli.js";

/** libbpf-tools' binary of `tool` (Debian's libbpf-tools, installed by setup.sh --tests). */
export function libbpfTool(tool: string): string | undefined {
  return [`/usr/sbin/${tool}`, `/usr/bin/${tool}`].find((p) => existsSync(p));
}

/**
 * Why libbpf-tools' `tool` cannot be the reference here (not installed, or it does not
 * load on this kernel: a kprobe, a CO-RE field it lacks), or false when it runs. Runs it
 * with `args`, which must make it exit by itself (a duration, or `1 1`).
 */
export function libbpfToolSkip(tool: string, args: string[]): string | false {
  const bin = libbpfTool(tool);
  if (!bin) return `libbpf-tools ${tool} not installed (setup.sh --tests)`;
  const r = spawnSync(bin, args, { encoding: "utf8", timeout: 15_000 });
  if (r.status === 0) return false;
  const why = r.stderr.split("\n").find((l) => /failed|error|invalid/i.test(l)) ?? `exit ${r.status}`;
  return `libbpf-tools ${tool} does not load on this kernel (${why.trim()})`;
}

export interface Tracer {
  /** Resolves when the tool has attached (its "Tracing" line is out), or has exited. */
  started: Promise<void>;
  /** Stops it like Ctrl-C and returns its stdout (and stderr, for ours). */
  stop(): Promise<{ out: string; err: string; code: number }>;
}

/** `tsnap <argv>` in-process; `marker` is the text of its line that says it traces. */
export function ours(argv: string[], marker = "Ctrl-C to end."): Tracer {
  const ctl = new AbortController();
  let out = "";
  let err = "";
  let onStart: () => void = () => {};
  const started = new Promise<void>((res) => {
    onStart = res;
  });
  const done = main(argv, {
    out: (t) => {
      out += t;
      if (out.includes(marker)) onStart();
    },
    err: (t) => {
      err += t;
      if (err.includes(marker)) onStart();
    },
    signal: ctl.signal,
    isTTY: false,
    columns: 0,
  });
  void done.then(() => onStart());
  return {
    started,
    async stop() {
      ctl.abort("SIGINT");
      const code = await done;
      return { out, err, code };
    },
  };
}

/** libbpf-tools' `tool` as a child (line-buffered through stdbuf), stopped with SIGINT. */
export function theirs(tool: string, args: string[], marker = "Ctrl-C to end."): Tracer {
  const bin = libbpfTool(tool);
  if (!bin) throw new Error(`libbpf-tools ${tool} is not installed`);
  const child = spawn("stdbuf", ["-oL", bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  return childTracer(child, `libbpf-tools ${tool}`, (out) => out.includes(marker));
}

/**
 * A reference tracer running as `child`: `started` resolves once `ready(stdout so far)` holds
 * (`settleMs` later; with `pollMs`, checked that often as well as on output, for a readiness
 * that shows outside stdout), and fails when the child exits first or (with `attachMs`) takes
 * longer; stop() sends SIGINT and gives what it printed and its exit code.
 */
export function childTracer(
  child: ChildProcess,
  what: string,
  ready: (out: string) => boolean,
  opts: { settleMs?: number; attachMs?: number; pollMs?: number } = {},
): Tracer {
  let out = "";
  let err = "";
  let code = -1;
  const exited = new Promise<void>((res) =>
    child.once("exit", (c) => {
      code = c ?? 128;
      res();
    }),
  );
  child.stderr!.on("data", (d) => {
    err += d;
  });
  const started = new Promise<void>((res, rej) => {
    let done = false;
    const check = () => {
      if (done || !ready(out)) return;
      done = true;
      if (opts.settleMs) setTimeout(res, opts.settleMs);
      else res();
    };
    child.stdout!.on("data", (d) => {
      out += d;
      check();
    });
    if (opts.pollMs !== undefined) {
      const poll = setInterval(() => (done ? clearInterval(poll) : check()), opts.pollMs);
      poll.unref();
      child.once("exit", () => clearInterval(poll));
    }
    child.once("exit", (c) => rej(new Error(`${what} exited (${c}) before it traced: ${out}${err}`)));
    if (opts.attachMs !== undefined)
      setTimeout(
        () => rej(new Error(`${what} did not attach within ${opts.attachMs! / 1000} s: ${out}${err}`)),
        opts.attachMs,
      ).unref();
  });
  return {
    started,
    async stop() {
      child.kill("SIGINT");
      await exited;
      return { out, err, code };
    },
  };
}

export type Stopped = { out: string; err: string; code: number };

/**
 * Stops every tracer like Ctrl-C, at once; each must have exited 0 (but those in `anyExit`:
 * reference tools with exit codes of their own) without `lostLine` on stderr (default a
 * WARNING: no event lost). Their outputs by the same keys.
 */
export async function stopAll<K extends string>(
  tracers: Record<K, Tracer>,
  o: { anyExit?: readonly string[]; lostLine?: RegExp } = {},
): Promise<Record<K, Stopped>> {
  const keys = Object.keys(tracers) as K[];
  const stopped = await Promise.all(keys.map((k) => tracers[k].stop()));
  const out = {} as Record<K, Stopped>;
  keys.forEach((k, i) => {
    if (!o.anyExit?.includes(k)) assert.equal(stopped[i].code, 0, `${k}: ${stopped[i].err}`);
    assert.doesNotMatch(stopped[i].err, o.lostLine ?? /WARNING/, k);
    out[k] = stopped[i];
  });
  return out;
}

/** The JSON objects of a tool's NDJSON output (lines that are not objects left out). */
export function parseNdjson<T>(out: string): T[] {
  return out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as T);
}

/** `tsnap <tool> [args]` run as user nobody says in one line that it needs root, and exits 1. */
export function assertNeedsRoot(tool: string, tsnapBin: string, args: readonly string[] = []): void {
  const r = spawnSync("runuser", ["-u", "nobody", "--", process.execPath, tsnapBin, tool, ...args], {
    encoding: "utf8",
  });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `tsnap: ${tool} is not supported here: needs root (CAP_BPF and CAP_PERFMON)\n`);
}

/** A bad command line: its arguments, the exit code when not 2 (usage), and the line it must print. */
export type BadInput =
  | readonly [argv: readonly string[], message: RegExp]
  | readonly [argv: readonly string[], code: number, message: RegExp];

/**
 * Each bad command line of `tool` prints one `tsnap: ...` line matching its pattern, nothing
 * on stdout, and exits 2 (or its code); then, when run as root, `tsnap <tool> [needsRoot]`
 * as user nobody says it needs root and exits 1 (needsRoot: false leaves that out).
 */
export async function assertBadInput(
  tool: string,
  cases: readonly BadInput[],
  o: { needsRoot?: readonly string[] | false } = {},
): Promise<void> {
  for (const c of cases) {
    const [argv, code, message] = c.length === 2 ? [c[0], 2, c[1]] : c;
    const r = await runCli([tool, ...argv]);
    const what = [tool, ...argv].join(" ");
    assert.equal(r.code, code, `${what}: ${r.stderr}`);
    assert.match(r.stderr, message, what);
    assert.equal(r.stderr.split("\n").length, 2, `${what}: one line: ${r.stderr}`);
    assert.equal(r.stdout, "", what);
  }
  if (o.needsRoot !== false && process.getuid?.() === 0) assertNeedsRoot(tool, TSNAP_BIN, o.needsRoot);
}

/** One histogram of bcc's text: the line before it (its key) and its counts by slot. */
export interface TextHist {
  /** The last non-empty line before the histogram, trimmed ("pid = 12 fio"), or "". */
  head: string;
  unit: string;
  counts: number[];
}

/** Every histogram in a tool's text output (bcc's print_log2_hist layout). */
export function parseHistText(text: string): TextHist[] {
  const out: TextHist[] = [];
  const lines = text.split("\n");
  let head: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const h = /^\s+(\w+)\s+: count\s+distribution$/.exec(lines[i]);
    if (!h) {
      if (lines[i].trim() !== "") head.push(lines[i].trim());
      continue;
    }
    const counts: number[] = [];
    for (i++; i < lines.length; i++) {
      const m = /^\s*(\d+) -> (\d+)\s+: (\d+)\s+\|/.exec(lines[i]);
      if (!m) break;
      counts.push(Number(m[3]));
    }
    i--;
    out.push({ head: head.at(-1) ?? "", unit: h[1], counts });
    head = [];
  }
  return out;
}

/** Adds histograms slot by slot. */
export function sumCounts(hists: readonly { counts: readonly number[] }[]): number[] {
  const out: number[] = [];
  for (const h of hists) {
    for (let i = 0; i < h.counts.length; i++) out[i] = (out[i] ?? 0) + h.counts[i];
  }
  return Array.from(out, (n) => n ?? 0);
}

/** The slot holding the p-th fraction (0..1) of the events. */
export function percentileSlot(counts: readonly number[], p: number): number {
  const total = counts.reduce((a, b) => a + b, 0);
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i];
    if (seen >= p * total && seen > 0) return i;
  }
  return -1;
}

/** A new, empty cgroup v2 directory for a test's workload (tools' `-c`); undefined without cgroup v2. */
export function testCgroup(name: string): { path: string; remove(): void } | undefined {
  const mount = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" "))
    .find((f) => f[2] === "cgroup2")?.[1];
  if (!mount) return undefined;
  const path = `${mount}/${name}-${process.pid}`;
  mkdirSync(path, { recursive: true });
  return {
    path,
    remove() {
      try {
        rmdirSync(path);
      } catch {
        // still has a process: it goes with the next reboot
      }
    },
  };
}

/** argv that runs `cmd` inside the cgroup directory `cg` (sh moves itself there, then execs). */
export function inCgroup(cg: string, cmd: readonly string[]): string[] {
  return ["sh", "-c", `echo $$ > '${cg}/cgroup.procs' && exec "$@"`, "sh", ...cmd];
}

/** The whole disk holding `path` (a partition's parent), by its device number and sysfs. */
export function diskOf(path: string): string | undefined {
  const dev = statSync(path).dev;
  const major = (dev >> 8) & 0xfff;
  const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  try {
    const sys = realpathSync(`/sys/dev/block/${major}:${minor}`);
    return existsSync(`${sys}/partition`) ? basename(dirname(sys)) : basename(sys);
  } catch {
    return undefined;
  }
}

/** The filesystem type of the directory, as the kernel names it (findmnt's FSTYPE: "ext4"). */
export function fsTypeOf(dir: string): string {
  return execFileSync("findmnt", ["-n", "-o", "FSTYPE", "--target", dir], { encoding: "utf8" }).trim();
}

/**
 * A new memory cgroup limited to `bytes` (cgroup v1's memory controller, or v2's when the
 * memory controller is there), for a workload that must reclaim; undefined without one.
 */
export function memoryCgroup(name: string, bytes: number): { path: string; remove(): void } | undefined {
  const mounts = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" "));
  const v1 = mounts.find((f) => f[2] === "cgroup" && f[3]?.split(",").includes("memory"))?.[1];
  const v2 = mounts.find((f) => f[2] === "cgroup2")?.[1];
  let path: string;
  if (v1) {
    path = `${v1}/${name}-${process.pid}`;
    mkdirSync(path, { recursive: true });
    writeFileSync(`${path}/memory.limit_in_bytes`, String(bytes));
  } else if (v2 && readFileSync(`${v2}/cgroup.controllers`, "utf8").split(" ").includes("memory")) {
    writeFileSync(`${v2}/cgroup.subtree_control`, "+memory");
    path = `${v2}/${name}-${process.pid}`;
    mkdirSync(path, { recursive: true });
    writeFileSync(`${path}/memory.max`, String(bytes));
  } else return undefined;
  return {
    path,
    remove() {
      try {
        rmdirSync(path);
      } catch {
        // still has a process: it goes with the next reboot
      }
    },
  };
}
