// Pure parsers of the /proc and /sys files `tsnap check` reads: /proc/stat, loadavg,
// pressure/*, vmstat and meminfo, diskstats, net/dev, net/snmp and net/netstat,
// sys/fs/file-nr, /proc/schedstat and /dev/kmsg records. Text in, numbers out; no I/O.
// Each throws a plain Error naming the file when the text is not what the kernel writes.

/** Jiffies per state of one CPU line of /proc/stat (guest time is inside user/nice). */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

export interface ProcStat {
  /** "cpu" (all CPUs) first, then "cpu0", "cpu1", ... */
  cpus: Map<string, CpuTimes>;
  /** Threads runnable or running now, and in uninterruptible sleep now (vmstat r / b). */
  procsRunning: number;
  procsBlocked: number;
}

const num = (s: string | undefined, what: string): number => {
  const v = Number(s);
  if (s === undefined || s === "" || !Number.isFinite(v)) throw new Error(`${what}: not a number '${s}'`);
  return v;
};

export function parseProcStat(text: string): ProcStat {
  const cpus = new Map<string, CpuTimes>();
  let procsRunning = Number.NaN;
  let procsBlocked = Number.NaN;
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (/^cpu\d*$/.test(f[0])) {
      const n = (i: number) => (f[i] === undefined ? 0 : num(f[i], "/proc/stat"));
      cpus.set(f[0], {
        user: n(1),
        nice: n(2),
        system: n(3),
        idle: n(4),
        iowait: n(5),
        irq: n(6),
        softirq: n(7),
        steal: n(8),
      });
    } else if (f[0] === "procs_running") procsRunning = num(f[1], "/proc/stat procs_running");
    else if (f[0] === "procs_blocked") procsBlocked = num(f[1], "/proc/stat procs_blocked");
  }
  if (!cpus.has("cpu")) throw new Error("/proc/stat: no 'cpu' line");
  return { cpus, procsRunning, procsBlocked };
}

export interface LoadAvg {
  load1: number;
  load5: number;
  load15: number;
  /** Runnable threads now (counting the reader itself), and all threads. */
  running: number;
  threads: number;
}

/** "0.52 0.58 0.59 3/812 12345" */
export function parseLoadavg(text: string): LoadAvg {
  const m = /^(\S+) (\S+) (\S+) (\d+)\/(\d+) /.exec(text.trim());
  if (!m) throw new Error(`/proc/loadavg: unexpected '${text.trim()}'`);
  return {
    load1: num(m[1], "loadavg"),
    load5: num(m[2], "loadavg"),
    load15: num(m[3], "loadavg"),
    running: Number(m[4]),
    threads: Number(m[5]),
  };
}

export interface PressureLine {
  avg10: number;
  avg60: number;
  avg300: number;
  /** µs stalled since boot. */
  totalUs: number;
}

export interface Pressure {
  some: PressureLine;
  /** Absent in old kernels' cpu file. */
  full?: PressureLine;
}

/** /proc/pressure/{cpu,memory,io}: "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" (+ a full line). */
export function parsePressure(text: string): Pressure {
  const lines = new Map<string, PressureLine>();
  for (const line of text.split("\n")) {
    const m = /^(some|full) avg10=(\S+) avg60=(\S+) avg300=(\S+) total=(\d+)/.exec(line.trim());
    if (m)
      lines.set(m[1], {
        avg10: num(m[2], "pressure"),
        avg60: num(m[3], "pressure"),
        avg300: num(m[4], "pressure"),
        totalUs: Number(m[5]),
      });
  }
  const some = lines.get("some");
  if (!some) throw new Error(`pressure: no 'some' line in '${text.trim()}'`);
  return { some, full: lines.get("full") };
}

/**
 * "key value" lines (/proc/vmstat) and "Key:   value kB" lines (/proc/meminfo; values in
 * kB stay in kB). Lines that do not parse are skipped.
 */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^([\w()]+):?\s+(\d+)/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

/** One line of /proc/diskstats (fields of Documentation/admin-guide/iostats.rst). */
export interface DiskStat {
  major: number;
  minor: number;
  name: string;
  reads: number;
  readsMerged: number;
  readSectors: number;
  readMs: number;
  writes: number;
  writesMerged: number;
  writeSectors: number;
  writeMs: number;
  inFlight: number;
  /** ms during which at least one I/O was in flight (%util). */
  ioMs: number;
  /** Σ of each I/O's time in flight, ms (aqu-sz). */
  weightedMs: number;
  discards: number;
  discardMs: number;
  flushes: number;
  flushMs: number;
}

export function parseDiskstats(text: string): DiskStat[] {
  const out: DiskStat[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14) continue;
    const n = (i: number) => (f[i] === undefined ? 0 : num(f[i], `/proc/diskstats ${f[2]}`));
    out.push({
      major: n(0),
      minor: n(1),
      name: f[2],
      reads: n(3),
      readsMerged: n(4),
      readSectors: n(5),
      readMs: n(6),
      writes: n(7),
      writesMerged: n(8),
      writeSectors: n(9),
      writeMs: n(10),
      inFlight: n(11),
      ioMs: n(12),
      weightedMs: n(13),
      discards: n(14),
      discardMs: n(17),
      flushes: n(18),
      flushMs: n(19),
    });
  }
  return out;
}

export interface NetDev {
  name: string;
  rxBytes: number;
  rxPackets: number;
  rxErrs: number;
  rxDrop: number;
  rxFifo: number;
  rxFrame: number;
  txBytes: number;
  txPackets: number;
  txErrs: number;
  txDrop: number;
  txFifo: number;
  txColls: number;
  txCarrier: number;
}

/** /proc/net/dev: two header lines, then "  eth0: rx... tx..." (16 numbers). */
export function parseNetDev(text: string): NetDev[] {
  const out: NetDev[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const f = m[2].trim().split(/\s+/);
    if (f.length < 16) continue;
    const n = (i: number) => num(f[i], `/proc/net/dev ${m[1]}`);
    out.push({
      name: m[1],
      rxBytes: n(0),
      rxPackets: n(1),
      rxErrs: n(2),
      rxDrop: n(3),
      rxFifo: n(4),
      rxFrame: n(5),
      txBytes: n(8),
      txPackets: n(9),
      txErrs: n(10),
      txDrop: n(11),
      txFifo: n(12),
      txColls: n(13),
      txCarrier: n(14),
    });
  }
  return out;
}

/**
 * /proc/net/snmp and /proc/net/netstat: pairs of lines "Tcp: Name1 Name2 ..." /
 * "Tcp: 1 2 ...". Keys are "Tcp.RetransSegs", "TcpExt.ListenOverflows", ...
 */
export function parseSnmp(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const lines = text.split("\n").filter((l) => l.includes(":"));
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const [p1, names] = splitProto(lines[i]);
    const [p2, values] = splitProto(lines[i + 1]);
    if (p1 !== p2 || names.length !== values.length)
      throw new Error(`snmp: header and values of ${p1} differ`);
    names.forEach((name, j) => {
      out.set(`${p1}.${name}`, Number(values[j]));
    });
  }
  return out;
}

function splitProto(line: string): [string, string[]] {
  const i = line.indexOf(":");
  return [
    line.slice(0, i),
    line
      .slice(i + 1)
      .trim()
      .split(/\s+/),
  ];
}

/** /proc/sys/fs/file-nr: "allocated  free(0)  max". */
export function parseFileNr(text: string): { allocated: number; max: number } {
  const f = text.trim().split(/\s+/);
  if (f.length !== 3) throw new Error(`file-nr: unexpected '${text.trim()}'`);
  return { allocated: num(f[0], "file-nr"), max: num(f[2], "file-nr") };
}

/** /proc/schedstat (CONFIG_SCHEDSTATS): ns waited on each CPU's run queue, keyed "cpu0"... */
export function parseSchedstatCpus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    // cpuN yld_count legacy sched_count sched_goidle ttwu_count ttwu_local rq_cpu_time run_delay pcount
    if (/^cpu\d+$/.test(f[0]) && f.length >= 10) out.set(f[0], num(f[8], "/proc/schedstat"));
  }
  return out;
}

/** One /dev/kmsg record: "6,1234,5678901,-;message" (+ continuation lines, ignored). */
export interface KmsgRecord {
  priority: number;
  seq: number;
  /** µs since boot (CLOCK_MONOTONIC). */
  usSinceBoot: number;
  message: string;
}

export function parseKmsgRecord(text: string): KmsgRecord | null {
  const m = /^(\d+),(\d+),(\d+),[^;]*;([^\n]*)/.exec(text);
  if (!m) return null;
  return { priority: Number(m[1]) & 7, seq: Number(m[2]), usSinceBoot: Number(m[3]), message: m[4] };
}

export type KmsgKind = "oom_kill" | "io_error" | "hung_task" | "soft_lockup" | "hw_error";

/** What a kernel message reports, for the kinds `check` counts; null for the rest. */
export function classifyKmsg(message: string): { kind: KmsgKind; device?: string; task?: string } | null {
  let m = /(?:^Out of memory|^Memory cgroup out of memory): Killed process (\d+) \(([^)]*)\)/.exec(message);
  if (m) return { kind: "oom_kill", task: `${m[2]} (pid ${m[1]})` };
  m =
    /I\/O error,? dev ([\w-]+)|Buffer I\/O error on dev(?:ice)? ([\w-]+)|blk_update_request: I\/O error, dev ([\w-]+)/.exec(
      message,
    );
  if (m) return { kind: "io_error", device: m[1] ?? m[2] ?? m[3] };
  m = /task (\S+?):(\d+) blocked for more than \d+ seconds/.exec(message);
  if (m) return { kind: "hung_task", task: `${m[1]} (pid ${m[2]})` };
  if (
    /soft lockup - CPU#\d+ stuck|rcu_sched self-detected stall|rcu: INFO: rcu_\w+ (self-)?detected stall/.test(
      message,
    )
  )
    return { kind: "soft_lockup" };
  if (/\[Hardware Error\]|mce: \[Hardware Error\]|Machine check events logged/.test(message))
    return { kind: "hw_error" };
  return null;
}

/** A device name from kmsg ("vda1", "sda2", "nvme0n1p3") → its whole disk when it is a partition of one in `disks`. */
export function wholeDisk(device: string, disks: ReadonlySet<string>): string {
  if (disks.has(device)) return device;
  for (const d of disks) if (device.startsWith(d) && /^p?\d+$/.test(device.slice(d.length))) return d;
  return device;
}
