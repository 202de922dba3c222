// The backends of the sampler conformance suite (src/sampler/sampler-conformance.test.ts):
// each source (proc, bpf) driven directly (openSampler + runRounds, the way capture and top
// use it) and through the CLI (`tsnap top`, its table and footer parsed). Every backend
// answers the same question, "what did you see", in the same shape, so one list of cases
// runs against all of them.
import { NotSupported } from "../errors.js";
import type { SourceName } from "../model/sampler.js";
import { runRounds } from "../sampler/loop.js";
import { openSampler } from "../sampler/open.js";
import { runCli } from "./cli.js";

export interface ObserveOptions {
  /** Include sleeping threads (-a). */
  all: boolean;
  /** Only these processes (-p). */
  pids?: number[];
  durationS: number;
  hz: number;
}

export interface ObservedRow {
  pid: number;
  tid: number;
  state: string;
  comm: string;
  samples: number;
}

export interface Observation {
  /** Samples per (pid, tid, state, comm). */
  rows: ObservedRow[];
  rounds: number;
  expected: number;
  /** The footer's "threads seen": the most threads a round looked at. */
  threadsSeen: number;
  source: string;
}

export interface Backend {
  /** e.g. "bpf via Sampler", "proc via tsnap top". */
  name: string;
  source: SourceName;
  via: "sampler" | "cli";
  observe(o: ObserveOptions): Promise<Observation>;
}

/** Why a source cannot run here (no root, BTF, build), or null when it can. */
export async function sourceUnavailable(source: SourceName): Promise<string | null> {
  try {
    const s = await openSampler(source, { hz: 1, all: false, needs: new Set() }, () => {});
    s.close();
    return null;
  } catch (err) {
    if (err instanceof NotSupported) return err.message;
    throw err;
  }
}

/** Both ways of driving each source. */
export function backends(): Backend[] {
  const out: Backend[] = [];
  for (const source of ["proc", "bpf"] as const) {
    out.push({ name: `${source} via Sampler`, source, via: "sampler", observe: (o) => direct(source, o) });
    out.push({ name: `${source} via tsnap top`, source, via: "cli", observe: (o) => viaCli(source, o) });
  }
  return out;
}

async function direct(source: SourceName, o: ObserveOptions): Promise<Observation> {
  const sampler = await openSampler(
    source,
    {
      hz: o.hz,
      all: o.all,
      pids: o.pids ? new Set(o.pids) : undefined,
      needs: new Set(),
      excludeSelf: true,
    },
    () => {},
  );
  const counts = new Map<string, ObservedRow>();
  let threadsSeen = 0;
  try {
    const res = await runRounds(sampler, {
      hz: o.hz,
      durationMs: o.durationS * 1000,
      signal: new AbortController().signal,
      onRound: (r) => {
        threadsSeen = Math.max(threadsSeen, r.threadsSeen);
        for (const s of r.samples) {
          const key = `${s.tgid}/${s.tid}/${s.state}/${s.comm}`;
          const row = counts.get(key);
          if (row) row.samples++;
          else counts.set(key, { pid: s.tgid, tid: s.tid, state: s.state, comm: s.comm, samples: 1 });
        }
      },
    });
    return { rows: [...counts.values()], rounds: res.rounds, expected: res.expected, threadsSeen, source };
  } finally {
    sampler.close();
  }
}

async function viaCli(source: SourceName, o: ObserveOptions): Promise<Observation> {
  const argv = ["top", "--source", source, "-d", String(o.durationS), "--hz", String(o.hz)];
  if (o.all) argv.push("-a");
  if (o.pids) argv.push("-p", o.pids.join(","));
  argv.push("-g", "pid,tid,state,comm");
  const r = await runCli(argv);
  if (r.code !== 0) throw new Error(`tsnap ${argv.join(" ")}: exit ${r.code}: ${r.stderr}`);
  return parseTopTable(r.stdout);
}

/** The rows and footer of `tsnap top`'s table output grouped by pid,tid,state,comm. */
export function parseTopTable(text: string): Observation {
  const lines = text.split("\n");
  const rows: ObservedRow[] = [];
  const h = lines.findIndex((l) => /^\s*samples\s*\|/.test(l));
  if (h >= 0) {
    const cols = lines[h]!.split("|").map((c) => c.trim());
    const at = (name: string) => {
      const i = cols.indexOf(name);
      if (i < 0) throw new Error(`no column ${name} in: ${lines[h]}`);
      return i;
    };
    const [iS, iP, iT, iSt, iC] = ["samples", "pid", "tid", "state", "comm"].map(at) as number[];
    for (const l of lines.slice(h + 2)) {
      if (l.trim() === "") break;
      const c = l.split("|").map((x) => x.trim());
      rows.push({
        samples: Number(c[iS!]),
        pid: Number(c[iP!]),
        tid: Number(c[iT!]),
        state: c[iSt!]!,
        comm: c[iC!]!,
      });
    }
  }
  const foot = /rounds: (\d+) of (\d+) expected \| threads seen: (\d+) \| source: (\w+)/.exec(text);
  if (!foot) throw new Error(`no footer in tsnap top output:\n${text}`);
  return {
    rows,
    rounds: Number(foot[1]),
    expected: Number(foot[2]),
    threadsSeen: Number(foot[3]),
    source: foot[4]!,
  };
}
