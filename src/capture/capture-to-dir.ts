// The capture engine: sampler rounds → hourly store, with rotation, retention, latency
// histograms and per-hour overhead lines. No argv, no printing of its own: `notice` gets
// the lines. Driven by `tsnap capture` (cli/capture.ts) and usable by any front end.
import { readFileSync } from "node:fs";
import { InputError, PermissionError } from "../errors.js";
import type { RoundResult, Sampler } from "../model/sampler.js";
import { runRounds } from "../sampler/loop.js";
import { latencyHistogramsOf } from "../sources/bpf/latency-hists.js";
import { prepareCaptureDir } from "../store/capture-dir.js";
import { hourKey } from "../store/files.js";
import { HourlyStore } from "../store/hourly-store.js";
import { lathistBytes, lathistRowCount } from "../store/lathist-rows.js";
import { applyRetention, type RetentionPolicy } from "../store/retention.js";
import { type Access, writeFileSafely } from "../store/safe-fs.js";
import { SCHEMA_VERSION, TABLES } from "../store/schema.js";
import { MissedRounds } from "./missed-rounds.js";

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

/** How often capture reads the block-I/O and run-queue latency maps (µs of sampling time). */
const MAPS_EVERY_US = 5_000_000;

export interface CaptureSummary {
  rounds: number;
  /** Schedule slots skipped because a round ran late. */
  missed: number;
  rows: number;
  dropped: number;
  cpuUs: number;
}

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
    const sc = maps ? deltas.filter((d) => d.kind === "sc") : deltas;
    store.appendCsv("lathist", lathistBytes(atUs, atUs - histMarkUs, sc), lathistRowCount(sc));
    histMarkUs = atUs;
    if (!maps) return;
    const rest = deltas.filter((d) => d.kind !== "sc");
    store.appendCsv("lathist", lathistBytes(atUs, atUs - mapsMarkUs, rest), lathistRowCount(rest));
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
      // Rounds already taken are data: at a stop, up to 5 s to write them (systemd waits 90 s).
      stopBudgetMs: 5000,
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
export function prepareDir(dir: string, access: Access): void {
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
