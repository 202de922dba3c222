// The I/O of `tsnap check`: one snapshot of the kernel's counters (/proc, /sys), every
// thread's run-queue wait (schedstat), and the kernel log's events (/dev/kmsg). Parsing is
// in check-parse.ts; what could not be read is said in `unseen`, never hidden.
import { closeSync, constants, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import type { KernelEvent, Snapshot } from "./check-metrics.js";
import {
  classifyKmsg,
  parseDiskstats,
  parseFileNr,
  parseKeyValues,
  parseKmsgRecord,
  parseLoadavg,
  parseNetDev,
  parsePressure,
  parseProcStat,
  parseSchedstatCpus,
  parseSnmp,
  wholeDisk,
} from "./check-parse.js";

const read = (path: string) => readFileSync(path, "latin1");

/** The text of a file, or undefined when it is missing or refused (noted in `unseen`). */
function tryRead(path: string, unseen: Set<string>, why?: string): string | undefined {
  try {
    return read(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    unseen.add(
      `${path}: ${why ?? (code === "ENOENT" ? "missing" : code === "EACCES" || code === "EPERM" ? "permission denied" : code)}`,
    );
    return undefined;
  }
}

/** Whole disks (/sys/block), without partitions. */
function blockDevices(): Set<string> {
  try {
    return new Set(readdirSync("/sys/block"));
  } catch {
    return new Set();
  }
}

/** Σ run-queue wait of every thread now, by tid (threads that exit while read are skipped). */
export function readRunDelays(): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const f = read(`/proc/${pid}/task/${tid}/schedstat`).split(" ");
        out.set(Number(tid), Number(f[1]));
      } catch {
        // exited meanwhile
      }
    }
  }
  return out;
}

/** Reads every counter `check` uses. `unseen` collects what could not be read. */
export function readSnapshot(unseen: Set<string>): Snapshot {
  const atMs = performance.now();
  const stat = parseProcStat(read("/proc/stat"));
  const loadavg = parseLoadavg(read("/proc/loadavg"));
  const pressure: Snapshot["pressure"] = {};
  for (const k of ["cpu", "memory", "io"] as const) {
    const t = tryRead(`/proc/pressure/${k}`, unseen, "no PSI (kernel without CONFIG_PSI, or psi=0)");
    if (t !== undefined) pressure[k] = parsePressure(t);
  }
  const disksNow = blockDevices();
  const disks = parseDiskstats(read("/proc/diskstats")).filter(
    (d) => disksNow.has(d.name) && d.reads + d.writes + d.discards + d.flushes > 0,
  );
  const net = parseNetDev(read("/proc/net/dev"));
  const netSpeedMbps = new Map<string, number>();
  for (const n of net) {
    try {
      const v = Number(read(`/sys/class/net/${n.name}/speed`).trim());
      if (v > 0) netSpeedMbps.set(n.name, v);
    } catch {
      // virtual links and links down report none
    }
  }
  const snmp = new Map<string, number>();
  for (const path of ["/proc/net/snmp", "/proc/net/netstat"]) {
    const t = tryRead(path, unseen);
    if (t !== undefined) for (const [k, v] of parseSnmp(t)) snmp.set(k, v);
  }
  const fileNrText = tryRead("/proc/sys/fs/file-nr", unseen);
  const schedstat = tryRead("/proc/schedstat", new Set());
  let conntrack: Snapshot["conntrack"];
  try {
    conntrack = {
      count: Number(read("/proc/sys/net/netfilter/nf_conntrack_count")),
      max: Number(read("/proc/sys/net/netfilter/nf_conntrack_max")),
    };
  } catch {
    conntrack = undefined; // conntrack not loaded
  }
  return {
    atMs,
    stat,
    loadavg,
    pressure,
    vmstat: parseKeyValues(read("/proc/vmstat")),
    meminfo: parseKeyValues(read("/proc/meminfo")),
    disks,
    net,
    snmp,
    fileNr: fileNrText === undefined ? undefined : parseFileNr(fileNrText),
    conntrack: conntrack && conntrack.max > 0 ? conntrack : undefined,
    runDelayNs: readRunDelays(),
    cpuRunDelayNs: schedstat === undefined ? undefined : parseSchedstatCpus(schedstat),
    netSpeedMbps,
  };
}

/** µs since boot on the clock /dev/kmsg stamps records with (CLOCK_MONOTONIC). */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Kernel log events of the kinds check counts, logged since `sinceUs - 1 h` (those before
 * `sinceUs` are marked as not in the interval); null when /dev/kmsg cannot be read (not
 * root with kernel.dmesg_restrict=1, or a container without it).
 */
export function readKernelEvents(
  sinceUs: number,
  disks: ReadonlySet<string>,
  unseen: Set<string>,
): KernelEvent[] | null {
  let fd: number;
  try {
    fd = openSync("/dev/kmsg", constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    unseen.add(
      `/dev/kmsg: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : "permission denied"} (OOM kills, I/O errors and hung tasks from the kernel log not seen)`,
    );
    return null;
  }
  const out: KernelEvent[] = [];
  const buf = Buffer.alloc(16384);
  try {
    for (let i = 0; i < 1_000_000; i++) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "EPIPE") continue; // records overwritten while reading: go on with the next
        if (code === "EAGAIN") break; // the end
        throw err;
      }
      if (n <= 0) break;
      const rec = parseKmsgRecord(buf.toString("utf8", 0, n));
      if (!rec || rec.usSinceBoot < sinceUs - 3600e6) continue;
      const c = classifyKmsg(rec.message);
      if (!c) continue;
      out.push({
        ...c,
        device: c.device === undefined ? undefined : wholeDisk(c.device, disks),
        message: rec.message,
        inInterval: rec.usSinceBoot >= sinceUs,
      });
    }
  } finally {
    closeSync(fd);
  }
  return out;
}
