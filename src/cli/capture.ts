// tsnap capture: always-on, low-overhead recording of every thread's state to
// self-contained hourly files (0x.tools xcapture, with its flaws fixed): the open hour
// is append-only CSV (readable after a crash or kill -9), closed hours become Parquet.
import { readFileSync } from "node:fs";
import { captureToDir, prepareDir } from "../capture/capture-to-dir.js";
import { flagHelp, oneOfFlag, parseFlags, switchFlag, textFlag } from "../command/args.js";
import type { Command, Io } from "../command/command.js";
import { allFlag, durationFlag, hzFlag, pidFilterFlag, sourceFlag } from "../command/flags.js";
import { UsageError } from "../errors.js";
import type { Need, SamplerOptions } from "../model/sampler.js";
import { parseDurationUs } from "../query/time-range.js";
import { openSampler } from "../sampler/open.js";
import { groupId } from "../store/capture-dir.js";
import { parseSize, type RetentionPolicy } from "../store/retention.js";
import { type Access, umaskFor } from "../store/safe-fs.js";
import { SCHEMA_VERSION } from "../store/schema.js";

const FLAGS = {
  output: textFlag({
    long: "output",
    short: "o",
    arg: "DIR",
    help: "directory for the files (created if missing) [required]",
  }),
  group: textFlag({
    long: "group",
    arg: "NAME",
    help: "let this group read the files (dir 0750, files 0640) (default: private)",
  }),
  hz: hzFlag({ fallback: 1, max: 100 }),
  source: sourceFlag,
  all: allFlag,
  pid: pidFilterFlag,
  kstack: switchFlag({ long: "kstack", help: "record kernel stacks (root)" }),
  ustack: switchFlag({ long: "ustack", help: "record user stacks (bpf source)" }),
  format: oneOfFlag({
    long: "format",
    arg: "FMT",
    choices: ["parquet", "csv"] as const,
    fallback: "parquet",
    help: "parquet (default) or csv for closed hours",
  }),
  retain: textFlag({
    long: "retain",
    arg: "AGE",
    help: "delete hours older than AGE (e.g. 7d, 12h) (default: keep)",
  }),
  maxSize: textFlag({
    long: "max-size",
    arg: "SIZE",
    help: "delete the oldest hours beyond SIZE (e.g. 5G) (default: no limit)",
  }),
  duration: durationFlag({ defaultText: "until stopped" }),
};

const help = `tsnap capture -o DIR [options]: record what every thread is doing, always on, to
self-contained hourly files that \`tsnap query\` (or DuckDB, or any Parquet/CSV tool) reads.

Files per hour (UTC): tsnap_{samples,syscend,iorqend,kstacks,ustacks,cgroups,rounds,lathist}_
YYYY-MM-DD.HH.{csv,parquet}. The open hour is CSV, appended once per round (a crash or
kill -9 loses at most the round being written); a closed hour is converted to Parquet.
Schema: docs/schema.md (version ${SCHEMA_VERSION}, also written to DIR/tsnap_schema.json).

OPTIONS
${flagHelp(FLAGS)}
The directory is private (0700, files 0600, whatever the umask). It must be tsnap's own:
refused if another user can write it or a parent of it, if it is shared like /tmp or /,
or if it holds files that are not tsnap's. No file is opened through a symbolic link.
If the directory vanishes it is recreated (or waited for) and the dropped rows counted.

With the bpf source, lathist holds latency histograms of EVERY syscall (per syscall),
block I/O (per device) and run-queue wait (per process), counted in the kernel and
written as deltas (non-zero buckets only: syscalls every round, block I/O and run queue
every 5 s); -p narrows them to those processes.

Own overhead is in the rounds files (CPU µs per round, rows, lost events, dropped rows,
rounds lost or late, tsnap's threads active at the sampling instant) and in one stderr
line per closed hour (plus a WARNING line when rounds were missed or tsnap was active at
an instant). The bpf source's rounds are taken by an in-kernel clock and collected once a
second. SIGINT/SIGTERM close the hour cleanly.

EXAMPLES
  tsnap capture -o /var/lib/tsnap                        1 Hz, active threads, Parquet
  tsnap capture -o /var/lib/tsnap -a --kstack --retain 7d --max-size 5G
  tsnap capture -o /tmp/cap --hz 10 -d 60 -p 1234        one process, 10 Hz, for a minute
  tsnap capture -o /var/lib/tsnap --group adm            members of adm may query it
  systemctl enable --now tsnap-capture                   see packaging/systemd/README.md
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values: v } = parseFlags(argv, FLAGS, 0);
  const dir = v.output;
  if (!dir) throw new UsageError("-o DIR is required (where to write the hourly files)");
  const { hz, source, format } = v;
  const durationS = Number.isFinite(v.duration) ? v.duration : undefined;
  const retention: RetentionPolicy = {};
  if (v.retain !== undefined) retention.retainUs = parseDurationUs(v.retain, "--retain");
  if (v.maxSize !== undefined) {
    const bytes = parseSize(v.maxSize);
    if (bytes === null || bytes <= 0)
      throw new UsageError(`--max-size: bad size '${v.maxSize}' (use e.g. 500M, 5G)`);
    retention.maxBytes = bytes;
  }
  const needs = new Set<Need>(["syscall", "wchan", "username", "exe", "cmdline", "filename", "cgroup"]);
  if (v.kstack) needs.add("kstack");
  if (v.ustack) needs.add("ustack");
  const opts: SamplerOptions = {
    hz,
    batchRounds: Math.max(1, Math.ceil(hz)),
    all: v.all,
    needs,
    excludeSelf: true,
    ...v.pid,
  };
  const access = accessFor(v.group);
  // Files other code makes (DuckDB's Parquet) get the same modes as ours.
  process.umask(umaskFor(access));
  prepareDir(dir, access);
  const notice = (line: string) => io.err(`${line}\n`);
  const sampler = await openSampler(source, opts, notice);
  try {
    const clock = sampler.kernelClock ? "in-kernel clock" : "user-space rounds";
    notice(`tsnap capture: ${sampler.source} source, ${hz} Hz (${clock}), writing ${dir}`);
    const sum = await captureToDir(sampler, {
      dir,
      hz,
      format,
      durationMs: durationS === undefined ? undefined : durationS * 1000,
      retention,
      signal: io.signal,
      notice,
      access,
    });
    notice(
      `tsnap capture: stopped: ${sum.rounds} rounds (${sum.missed} missed), ${sum.rows} rows, ${sum.dropped} dropped, CPU ${(sum.cpuUs / Math.max(1, sum.rounds) / 1000).toFixed(2)} ms/round`,
    );
  } finally {
    sampler.close();
  }
  return 0;
}

function accessFor(group: string | undefined): Access {
  if (group === undefined) return {};
  let text = "";
  try {
    text = readFileSync("/etc/group", "utf8");
  } catch {
    // numeric groups still work
  }
  const gid = groupId(text, group);
  if (gid === null) throw new UsageError(`--group: no group named '${group}'`);
  return { gid };
}

export const command: Command = {
  name: "capture",
  summary: "always-on capture of thread activity to hourly files (xcapture)",
  help,
  run,
};
