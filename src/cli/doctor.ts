// `tsnap doctor`: what this machine offers tsnap. Kernel, BTF, bpffs/tracefs, privileges,
// the compiled BPF objects, then a real load + attach probe for every program type and
// attach point tsnap uses, and from those which commands work here and which don't, why.
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { arch, release } from "node:os";
import { libbpf } from "../bpf/libbpf.js";
import { bpfObjectPath } from "../bpf/paths.js";
import type { FeatureName, ProbeResult } from "../bpf/probes.js";
import { flagHelp, parseFlags } from "../command/args.js";
import type { Command, Io, Needs } from "../command/command.js";
import { formatFlag, verboseFlag } from "../command/flags.js";
import { missingObjectAdvice } from "../platform/installation.js";
import { formatRows, type Rowset } from "../report/output.js";
import { toJson } from "../report/table.js";
import { NOT_HERE, notHereDetail } from "../tools/not-here.js";
import { COMMANDS } from "./registry.js";

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const ORDER: FeatureName[] = [
  "task_iter",
  "task_iter_sleepable",
  "task_storage",
  "ringbuf",
  "task_stack",
  "tp_btf",
  "tp_btf_block",
  "tp_btf_sched",
  "raw_tp",
  "tracepoint",
  "perf_event",
  "uprobe",
  "kprobe",
  "fentry",
];

function mounted(fsType: string): string | null {
  try {
    for (const line of readFileSync("/proc/self/mounts", "utf8").split("\n")) {
      const f = line.split(" ");
      if (f[2] === fsType) return f[1];
    }
  } catch {
    // no /proc
  }
  return null;
}

function systemChecks(): Check[] {
  const root = process.getuid?.() === 0;
  let btf = false;
  try {
    accessSync("/sys/kernel/btf/vmlinux", constants.R_OK);
    btf = true;
  } catch {
    // reported below
  }
  const bpffs = mounted("bpf");
  const tracefs = mounted("tracefs");
  const objs = ["sampler", "probes"].map((n) => bpfObjectPath(n));
  const missing = objs.filter((p) => !existsSync(p));
  let libbpfOk = "libbpf.so.1 loads";
  let libbpfGood = true;
  try {
    libbpf();
  } catch (err) {
    libbpfGood = false;
    libbpfOk = `libbpf.so.1 does not load: ${(err as Error).message.split("\n")[0]}`;
  }
  return [
    { name: "kernel", ok: true, detail: `${release()} (${arch()})` },
    {
      name: "BTF",
      ok: btf,
      detail: btf ? "/sys/kernel/btf/vmlinux" : "no /sys/kernel/btf/vmlinux: the bpf source needs BTF",
    },
    {
      name: "privileges",
      ok: root,
      detail: root ? "root" : `uid ${process.getuid?.()}: the bpf source and the probes need root`,
    },
    {
      name: "bpffs",
      ok: bpffs !== null,
      detail: bpffs ?? "not mounted (tsnap does not pin, so this is optional)",
    },
    { name: "tracefs", ok: tracefs !== null, detail: tracefs ?? "not mounted: syscalls/tracepoints need it" },
    {
      name: "bpf objects",
      ok: missing.length === 0,
      detail:
        missing.length === 0 ? objs.join(", ") : `missing ${missing.join(", ")}: ${missingObjectAdvice()}`,
    },
    { name: "libbpf", ok: libbpfGood, detail: libbpfOk },
  ];
}

interface Verdict {
  command: string;
  /** An optional part of the command (e.g. "--source bpf"), absent for the command itself. */
  part?: string;
  ok: boolean;
  detail: string;
}

/** Works here or not, and why: the first alternative whose features all probed ok wins. */
function verdict(
  needs: Needs,
  note: string | undefined,
  results: Map<FeatureName, ProbeResult>,
  skipped: string | null,
): { ok: boolean; detail: string } {
  let firstMissing: ProbeResult | undefined;
  for (const alt of needs) {
    const missing = alt.filter((f) => results.get(f)?.ok !== true);
    if (missing.length === 0) {
      const via = alt.length > 0 && needs.length > 1 ? ` (via ${alt[0]})` : "";
      return { ok: true, detail: note ?? `works${via}` };
    }
    firstMissing ??= results.get(missing[0]);
  }
  return {
    ok: false,
    detail:
      firstMissing === undefined
        ? `not here: ${skipped ?? "not probed"}`
        : `not here: ${firstMissing.feature}: ${firstMissing.reason}`,
  };
}

/** One verdict per command of the registry and per declared part, from their needs. */
function commandVerdicts(results: Map<FeatureName, ProbeResult>, skipped: string | null): Verdict[] {
  const out: Verdict[] = [];
  for (const c of COMMANDS) {
    out.push({ command: c.name, ...verdict(c.needs, c.note, results, skipped) });
    for (const p of c.parts ?? [])
      out.push({ command: c.name, part: p.what, ...verdict(p.needs, p.note, results, skipped) });
  }
  // bcc tools no kernel like this one can answer (tools/not-here.ts).
  for (const t of NOT_HERE) out.push({ command: t.name, ok: false, detail: notHereDetail(t, results) });
  return out;
}

const FLAGS = { format: formatFlag, verbose: verboseFlag };

/** Every line of the report as a row: section, name, ok, detail (ndjson and csv print these). */
function reportRows(
  system: Check[],
  probes: ProbeResult[],
  commands: Verdict[],
  what: (p: ProbeResult) => string,
): Rowset {
  return {
    columns: ["section", "name", "ok", "detail"].map((name) => ({ name })),
    rows: [
      ...system.map((c) => ["system", c.name, c.ok, c.detail]),
      ...probes.map((r) => ["probe", r.feature, r.ok, r.ok ? what(r) : `${what(r)}: ${r.reason}`]),
      ...commands.map((c) => [
        "command",
        c.part === undefined ? c.command : `${c.command}: ${c.part}`,
        c.ok,
        c.detail,
      ]),
    ],
  };
}

export const command: Command = {
  name: "doctor",
  summary: "what this machine supports: kernel, BTF, privileges, BPF probes, commands",
  help: `tsnap doctor: check what tsnap can do on this machine

USAGE
  tsnap doctor [--format FMT] [-v]

Reports the kernel, BTF, bpffs/tracefs and privileges, then loads and attaches a tiny
program for every BPF program type and attach point tsnap uses (a real test, not a version
comparison), and says which commands work here and which don't, with the reason.

OPTIONS
${flagHelp(FLAGS)}
--format json is one document {system, probes, probes_skipped, commands}; ndjson and csv
have one row per line of the report: section (system, probe, command), name, ok, detail.

EXAMPLES
  sudo tsnap doctor
  sudo tsnap doctor --format json | jq '.probes[] | select(.ok | not)'
  sudo tsnap doctor -v 2>&1 | grep -A20 'probe_fentry'
  tsnap doctor --format csv | grep ',false,'
`,
  async run(argv: string[], io: Io): Promise<number> {
    const { values } = parseFlags(argv, FLAGS, 0);
    const format = values.format;
    const system = systemChecks();
    const canProbe = system.every(
      (c) => c.ok || !["BTF", "privileges", "bpf objects", "libbpf"].includes(c.name),
    );
    const results = new Map<FeatureName, ProbeResult>();
    let probeSkip: string | null = null;
    if (canProbe) {
      const { probe, useBootCache } = await import("../bpf/probes.js");
      useBootCache(false); // doctor probes for real (its successes refresh the boot cache)
      const { setPrint } = await import("../bpf/libbpf.js");
      setPrint(values.verbose ? (_level, line) => io.err(line) : null);
      for (const f of ORDER) results.set(f, probe(f));
    } else {
      probeSkip = system.find(
        (c) => !c.ok && ["BTF", "privileges", "bpf objects", "libbpf"].includes(c.name),
      )!.detail;
    }
    const commands = commandVerdicts(results, probeSkip);
    if (format === "json") {
      const probes = [...results.values()].map((r) => ({ ...r, ms: Math.round(r.ms * 10) / 10 }));
      io.out(`${toJson({ system, probes, probes_skipped: probeSkip, commands }, 2)}\n`);
      return 0;
    }
    const { FEATURES } = await import("../bpf/probes.js");
    if (format !== "table") {
      const rows = reportRows(system, [...results.values()], commands, (r) => FEATURES[r.feature].what);
      io.out(formatRows(format, rows));
      return 0;
    }
    const lines: string[] = ["system"];
    for (const c of system) lines.push(`  ${c.ok ? "ok  " : "NO  "} ${c.name.padEnd(12)} ${c.detail}`);
    lines.push("", "bpf probes (real load + attach)");
    if (probeSkip !== null) lines.push(`  skipped: ${probeSkip}`);
    for (const r of results.values()) {
      lines.push(
        `  ${r.ok ? "ok  " : "NO  "} ${r.feature.padEnd(20)} ${FEATURES[r.feature].what}${r.ok ? "" : `: ${r.reason}`}`,
      );
    }
    lines.push("", "commands");
    for (const c of commands) {
      const label = c.part === undefined ? c.command : `  ${c.part}`;
      lines.push(`  ${c.ok ? "ok  " : "NO  "} ${label.padEnd(36)} ${c.detail}`);
    }
    io.out(`${lines.join("\n")}\n`);
    return 0;
  },
};
