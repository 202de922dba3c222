// What mountsnoop prints, in libbpf-tools' layout (mountsnoop.c): the header and one line
// per call, the call written out as C (`mount("src", "dst", "tmpfs", MS_NOSUID, "size=1m")
// = 0`, errors as -ENAME); with -d one "FIELD:  value" line per column; or one NDJSON
// object. Pure.
import { errnoName } from "../../platform/errno.js";
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import type { MountEvent } from "./mountsnoop-records.js";

/** mount(2)'s flag bits by name (linux/mount.h; MS_VERBOSE is MS_SILENT's old name). */
const MS_FLAGS: [string, number][] = [
  ["MS_RDONLY", 0],
  ["MS_NOSUID", 1],
  ["MS_NODEV", 2],
  ["MS_NOEXEC", 3],
  ["MS_SYNCHRONOUS", 4],
  ["MS_REMOUNT", 5],
  ["MS_MANDLOCK", 6],
  ["MS_DIRSYNC", 7],
  ["MS_NOSYMFOLLOW", 8],
  ["MS_NOATIME", 10],
  ["MS_NODIRATIME", 11],
  ["MS_BIND", 12],
  ["MS_MOVE", 13],
  ["MS_REC", 14],
  ["MS_SILENT", 15],
  ["MS_POSIXACL", 16],
  ["MS_UNBINDABLE", 17],
  ["MS_PRIVATE", 18],
  ["MS_SLAVE", 19],
  ["MS_SHARED", 20],
  ["MS_RELATIME", 21],
  ["MS_KERNMOUNT", 22],
  ["MS_I_VERSION", 23],
  ["MS_STRICTATIME", 24],
  ["MS_LAZYTIME", 25],
  ["MS_SUBMOUNT", 26],
  ["MS_NOREMOTELOCK", 27],
  ["MS_NOSEC", 28],
  ["MS_BORN", 29],
  ["MS_ACTIVE", 30],
  ["MS_NOUSER", 31],
];

/**
 * The flags as libbpf-tools writes them: "0x0", or the MS_ names of the bits set joined by
 * " | " (umount2's MNT_ flags too, read as MS_ bits, as libbpf-tools reads them), then
 * any bits without a name in hex. libbpf-tools v0.26's table is one bit off from MS_NOATIME
 * to MS_REC (its MS_BIND is MS_MOVE's bit); this one follows linux/mount.h.
 */
export function flagsText(flags: bigint): string {
  if (flags === 0n) return "0x0";
  let rest = flags;
  const names: string[] = [];
  for (const [name, bit] of MS_FLAGS) {
    if ((flags >> BigInt(bit)) & 1n) {
      names.push(name);
      rest &= ~(1n << BigInt(bit));
    }
  }
  if (rest) names.push(`0x${rest.toString(16)}`);
  return names.join(" | ");
}

/** "0", "-ENOENT", or the number when the errno has no name. */
export function retText(ret: number): string {
  if (ret === 0) return "0";
  const name = ret < 0 ? errnoName(-ret) : undefined;
  return name ? `-${name}` : String(ret);
}

export function callText(e: MountEvent): string {
  const flags = flagsText(e.flags);
  return e.op === "umount"
    ? `umount("${e.dest}", ${flags}) = ${retText(e.ret)}`
    : `mount("${e.src}", "${e.dest}", "${e.fs}", ${flags}, "${e.data}") = ${retText(e.ret)}`;
}

export interface ReportOptions {
  timestamp: boolean;
  detailed: boolean;
}

export function header(o: ReportOptions): string {
  if (o.detailed) return "";
  const t = o.timestamp ? `${"TIME".padEnd(8)} ` : "";
  return `${t}${"COMM".padEnd(16)} ${"PID".padEnd(7)} ${"TID".padEnd(7)} ${"MNT_NS".padEnd(11)} CALL\n`;
}

/** `at`: the wall time of the call's return. */
export function line(e: MountEvent, o: ReportOptions, at: Date): string {
  const t = o.timestamp ? `${hhmmss(at)} ` : "";
  if (!o.detailed)
    return `${t}${e.comm.padEnd(16)} ${String(e.pid).padEnd(7)} ${String(e.tid).padEnd(7)} ${String(e.mntNs).padEnd(11)} ${callText(e)}\n`;
  const indent = o.timestamp ? "    " : "";
  const fields: [string, string][] = [
    ["PID", String(e.pid)],
    ["TID", String(e.tid)],
    ["COMM", e.comm],
    ["OP", e.op.toUpperCase()],
    ["RET", retText(e.ret)],
    ["LAT", `${e.latencyNs / 1000n}us`],
    ["MNT_NS", String(e.mntNs)],
    ["FS", e.fs],
    ["SOURCE", e.src],
    ["TARGET", e.dest],
    ["DATA", e.data],
    ["FLAGS", flagsText(e.flags)],
  ];
  const body = fields.map(([k, v]) => `${indent}${`${k}:`.padEnd(8)}${v}\n`).join("");
  return `${t}${o.timestamp ? "\n" : ""}${body}\n`;
}

/** One call as an NDJSON line; `time` is the wall clock of its return. */
export function jsonLine(e: MountEvent, time: Date): string {
  return `${toJson({
    time: time.toISOString(),
    pid: e.pid,
    tid: e.tid,
    comm: e.comm,
    mnt_ns: e.mntNs,
    op: e.op,
    ret: e.ret,
    latency_us: Number(e.latencyNs) / 1000,
    fs: e.fs,
    source: e.src,
    target: e.dest,
    data: e.data,
    flags: Number(e.flags),
  })}\n`;
}
