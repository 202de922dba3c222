// tsnap capture: always-on, low-overhead recording of every thread's state to
// self-contained hourly files (0x.tools xcapture, with its flaws fixed): the open hour
// is append-only CSV (readable after a crash or kill -9), closed hours become Parquet.
import { readFileSync } from "node:fs";
import { InputError, PermissionError, UsageError } from "../errors.js";
import { parseDurationUs } from "../query/time-range.js";
import { runRounds } from "../sampler/loop.js";
import { openSampler, SOURCE_CHOICES } from "../sampler/open.js";
import type { Need, RoundResult, Sampler, SamplerOptions } from "../sampler/sampler.js";
import { latencyHistogramsOf } from "../sources/bpf/latency-hists.js";
import { groupId, prepareCaptureDir } from "../store/capture-dir.js";
import { hourKey } from "../store/files.js";
import { HourlyStore } from "../store/hourly-store.js";
import { lathistRecords } from "../store/lathist-rows.js";
import { applyRetention, parseSize, type RetentionPolicy } from "../store/retention.js";
import { type Access, umaskFor, writeFileSafely } from "../store/safe-fs.js";
import { SCHEMA_VERSION, TABLES } from "../store/schema.js";
import { choiceFlag, numberFlag, parseArgs, stringFlag } from "./args.js";
import type { Command, Io } from "./command.js";
import { MissedRounds } from "./missed-rounds.js";
import { parsePidFilter } from "./pid-filter.js";

const help = `tsnap capture -o DIR [options]: record what every thread is doing, always on, to
self-contained hourly files that \`tsnap query\` (or DuckDB, or any Parquet/CSV tool) reads.

Files per hour (UTC): tsnap_{samples,syscend,iorqend,kstacks,ustacks,cgroups,rounds,lathist}_
YYYY-MM-DD.HH.{csv,parquet}. The open hour is CSV, appended once per round (a crash or
kill -9 loses at most the round being written); a closed hour is converted to Parquet.
Schema: docs/schema.md (version ${SCHEMA_VERSION}, also written to DIR/tsnap_schema.json).

OPTIONS
  -o, --output DIR      directory for the files (created if missing)   [required]
      --group NAME      let this group read the files (dir 0750, files 0640) [default: private]
      --hz N            sampling rounds per second                     [default: 1]
      --source SRC      auto, proc or bpf                              [default: auto]
  -a, --all             also record sleeping threads (default: RUN, RUNQ, DISK only)
  -p, --pid PIDS|REGEX  only these processes (comma-separated PIDs) or thread names
      --kstack          record kernel stacks (root)
      --ustack          record user stacks (bpf source)
      --format FMT      parquet or csv for closed hours                [default: parquet]
      --retain AGE      delete hours older than AGE (e.g. 7d, 12h)     [default: keep]
      --max-size SIZE   delete the oldest hours beyond SIZE (e.g. 5G)  [default: no limit]
  -d, --duration SECS   stop after this many seconds                   [default: run until stopped]

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

export interface CaptureOptions {
  dir: string;
  hz: number;
  format: "parquet" | "csv";
  durationMs?: number;
  retention: RetentionPolicy;
  signal: AbortSignal;
  notice(line: string): void;
  /** Injected clock (µs since the epoch) that stamps rounds instead of the sampler's. */
  clock?: () => number;
  /** Who may read the files (default: the capturing user only). */
  access?: Access;
}

export interface CaptureSummary {
  rounds: number;
  /** Schedule slots skipped because a round ran late. */
  missed: number;
  rows: number;
  dropped: number;
  cpuUs: number;
}

/** How often capture reads the block-I/O and run-queue latency maps (µs of sampling time). */
const MAPS_EVERY_US = 5_000_000;

/** The capture loop: sampler rounds → hourly store, with rotation and retention. */
export async function captureToDir(sampler: Sampler, o: CaptureOptions): Promise<CaptureSummary> {
  const access = o.access ?? {};
  prepareDir(o.dir, access);
  const store = new HourlyStore({
    dir: o.dir,
    format: o.format,
    notice: o.notice,
    access,
    recreateDir: () => prepareDir(o.dir, access),
  });
  const nowUs = () => (o.clock ? o.clock() : Date.now() * 1000);
  const startUs = nowUs();
  const startHour = hourKey(startUs);
  store.recover(startHour);
  const retain = (hour: string | null, atUs: number) => {
    const r = applyRetention(o.dir, o.retention, atUs, hour);
    if (r.deletedParts.length) o.notice(`tsnap capture: retention deleted ${r.deletedParts.join(", ")}`);
  };
  retain(startHour, startUs);
  let lastLost = sampler.stats().lost;
  let cpuMark = process.cpuUsage();
  let hourStats = newHourStats(startHour);
  const weightUs = Math.round(1e6 / o.hz);
  // Latency histograms of every completion (bpf source): written as deltas, the syscalls'
  // (an mmapped array) every round, block I/O and run queue (hash maps: a syscall per 16
  // or 64 entries and a buffer each) every MAPS_EVERY_US and at the end; sums are exact.
  const hists = latencyHistogramsOf(sampler);
  hists?.delta();
  let histMarkUs = startUs;
  let mapsMarkUs = startUs;
  let lastRoundUs = startUs;
  const writeHists = (atUs: number, maps: boolean) => {
    if (!hists) return;
    const deltas = hists.delta(maps);
    const sc = deltas.filter((d) => d.kind === "sc");
    store.appendRows("lathist", lathistRecords(atUs, atUs - histMarkUs, sc));
    histMarkUs = atUs;
    if (!maps) return;
    const rest = deltas.filter((d) => d.kind !== "sc");
    if (rest.length) store.appendRows("lathist", lathistRecords(atUs, atUs - mapsMarkUs, rest));
    mapsMarkUs = atUs;
  };
  let first = true;
  const missed = new MissedRounds(o.hz);
  const onRound = (round: RoundResult, index: number, slot: number) => {
    // The injected clock is read once per round (the first reading was the start time).
    if (o.clock) restamp(round, first ? startUs : o.clock());
    first = false;
    const hour = hourKey(round.timestamp);
    if (hour !== hourStats.hour) {
      logHour(o, hourStats);
      store.tick(round.timestamp);
      retain(hour, round.timestamp);
      hourStats = newHourStats(hour);
      copyPartitions(o.dir, access);
    }
    const lostNow = sampler.stats().lost;
    const cpu = process.cpuUsage(cpuMark);
    cpuMark = process.cpuUsage();
    const cpuUs = cpu.user + cpu.system;
    const rows = store.writeRound(round, {
      source: sampler.source,
      cpuUs,
      lost: lostNow - lastLost,
      weightUs,
    });
    writeHists(round.timestamp, round.timestamp - mapsMarkUs >= MAPS_EVERY_US);
    lastRoundUs = round.timestamp;
    hourStats.rounds++;
    hourStats.rows += rows;
    hourStats.cpuUs += cpuUs;
    hourStats.lost += lostNow - lastLost;
    hourStats.missed += (round.lostBefore ?? 0) + (round.lateBefore ?? 0);
    if ((round.selfActive ?? 0) > 0) hourStats.perturbed++;
    lastLost = lostNow;
    const behind = missed.observe(index, slot, round.timestamp);
    if (behind) o.notice(behind);
  };
  let res: Awaited<ReturnType<typeof runRounds>>;
  try {
    // The kernel clock's rounds are collected once a second (or each round, if slower).
    res = await runRounds(sampler, {
      hz: o.hz,
      durationMs: o.durationMs,
      signal: o.signal,
      onRound,
      batchMs: 1000,
    });
  } finally {
    // The maps' deltas since their last read go with the last round. Also on a failure:
    // close the open hour so what was written is converted and kept.
    try {
      writeHists(lastRoundUs, true);
    } finally {
      logHour(o, hourStats);
      await store.close();
    }
  }
  return {
    rounds: res.rounds,
    missed: missed.total,
    rows: store.rowsWritten,
    dropped: store.droppedTotal,
    cpuUs: res.cpuUs,
  };
}

function restamp(round: RoundResult, us: number): void {
  round.timestamp = us;
  for (const s of round.samples) s.timestamp = us;
}

function newHourStats(hour: string) {
  return { hour, rounds: 0, rows: 0, cpuUs: 0, lost: 0, missed: 0, perturbed: 0 };
}

function logHour(o: CaptureOptions, h: ReturnType<typeof newHourStats>): void {
  if (h.rounds === 0) return;
  const perRound = h.cpuUs / h.rounds / 1000;
  const pct = (perRound * o.hz) / 10;
  o.notice(
    `tsnap capture: ${h.hour}: ${h.rounds} rounds, ${h.rows} rows, CPU ${perRound.toFixed(2)} ms/round (${pct.toFixed(3)}% of one CPU), lost events ${h.lost}`,
  );
  // Never silent when the sampler fell behind or could not keep out of the samples.
  if (h.missed > 0 || h.perturbed > 0)
    o.notice(
      `tsnap capture: WARNING: ${h.hour}: ${h.missed} rounds missed (lost or late), tsnap on a CPU or runnable at ${h.perturbed} sampling instants (rounds table: lost_rounds, late_rounds, self_active)`,
    );
}

function copyPartitions(dir: string, access: Access): void {
  try {
    writeFileSafely(dir, "partitions", readFileSync("/proc/partitions"), access);
  } catch {
    // devname falls back to the live /proc/partitions at query time
  }
}

/** Create or check the directory (capture-dir.ts), then write its schema and partitions. */
function prepareDir(dir: string, access: Access): void {
  prepareCaptureDir(dir, access);
  const schema = Object.fromEntries(
    Object.entries(TABLES).map(([t, d]) => [t, d.columns.map((c) => ({ name: c.name, type: c.type }))]),
  );
  try {
    const text = `${JSON.stringify({ schema_version: SCHEMA_VERSION, tables: schema }, null, 2)}\n`;
    writeFileSafely(dir, "tsnap_schema.json", text, access);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM" || code === "EROFS")
      throw new PermissionError(`-o ${dir}: cannot write there`, { cause: err });
    throw new InputError(`-o ${dir}: cannot use this directory`, { cause: err });
  }
  copyPartitions(dir, access);
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values: v } = parseArgs(
    argv,
    {
      output: { type: "string", short: "o" },
      hz: { type: "string" },
      source: { type: "string" },
      all: { type: "boolean", short: "a" },
      pid: { type: "string", short: "p" },
      kstack: { type: "boolean" },
      ustack: { type: "boolean" },
      format: { type: "string" },
      retain: { type: "string" },
      "max-size": { type: "string" },
      duration: { type: "string", short: "d" },
      group: { type: "string" },
    },
    0,
  );
  const dir = stringFlag(v.output);
  if (!dir) throw new UsageError("-o DIR is required (where to write the hourly files)");
  const hz = numberFlag(v.hz, "--hz", { fallback: 1, min: 0.01, max: 100 });
  const source = choiceFlag(v.source, "--source", SOURCE_CHOICES, "auto");
  const format = choiceFlag(v.format, "--format", ["parquet", "csv"] as const, "parquet");
  const durationS =
    v.duration === undefined ? undefined : numberFlag(v.duration, "-d", { fallback: 0, min: 0.001 });
  const retention: RetentionPolicy = {};
  if (v.retain !== undefined) retention.retainUs = parseDurationUs(String(v.retain), "--retain");
  if (v["max-size"] !== undefined) {
    const bytes = parseSize(String(v["max-size"]));
    if (bytes === null || bytes <= 0)
      throw new UsageError(`--max-size: bad size '${v["max-size"]}' (use e.g. 500M, 5G)`);
    retention.maxBytes = bytes;
  }
  const needs = new Set<Need>(["syscall", "wchan", "username", "exe", "cmdline", "filename", "cgroup"]);
  if (v.kstack) needs.add("kstack");
  if (v.ustack) needs.add("ustack");
  const opts: SamplerOptions = {
    hz,
    batchRounds: Math.max(1, Math.ceil(hz)),
    all: Boolean(v.all),
    needs,
    excludeSelf: true,
    ...parsePidFilter(stringFlag(v.pid)),
  };
  const access = accessFor(stringFlag(v.group));
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
