// What the block tools share (biolatency, biosnoop, bitesize, ...): the kernel's dev_t of
// a disk and its name from /proc/partitions, and the request flags the BPF side reports
// as tsnap's fixed numbers (kernel/lib/blk.bpf.h rq_flags: the op in the low 8 bits, flag
// bits from 8), named as libbpf-tools names them.
import { readFileSync } from "node:fs";
import { InputError } from "../errors.js";
import { parsePartitions } from "../query/views.js";

/** The kernel's dev_t (MKDEV: major << 20 | minor). */
export const mkdev = (major: number, minor: number): number => ((major << 20) | minor) >>> 0;

/** dev_t → name of every device in /proc/partitions. */
export function partitions(text = readFileSync("/proc/partitions", "utf8")): Map<number, string> {
  return new Map(parsePartitions(text).map((p) => [mkdev(p.major, p.minor), p.name]));
}

/** The dev_t of the disk named `name` (-d DISK); an InputError when /proc/partitions has none. */
export function diskDev(name: string, disks: Map<number, string>): number {
  const hit = [...disks].find(([, n]) => n === name);
  if (!hit) throw new InputError(`no disk '${name}' in /proc/partitions`);
  return hit[0];
}

/** Flag bits 8.. of rq_flags, in the order libbpf-tools prints them. */
export const FLAG_NAMES = [
  "NoWait",
  "Background",
  "ReadAhead",
  "PreFlush",
  "FUA",
  "Integrity",
  "Idle",
  "NoMerge",
  "Priority",
  "Metadata",
  "Sync",
] as const;

/** The op in rq_flags' low 8 bits (0xff: an op this list does not know). */
export const OP_NAMES = [
  "Read",
  "Write",
  "Flush",
  "Discard",
  "SecureErase",
  "ZoneAppend",
  "WriteZeroes",
  "ZoneOpen",
  "ZoneClose",
  "ZoneFinish",
  "ZoneReset",
  "ZoneResetAll",
  "DrvIn",
  "DrvOut",
] as const;

const has = (flags: number, name: (typeof FLAG_NAMES)[number]) =>
  (flags & (1 << (8 + FLAG_NAMES.indexOf(name)))) !== 0;

/** "Sync-Write", as libbpf-tools biolatency's `flags = ` line. Pure. */
export function flagsText(flags: number): string {
  const set = FLAG_NAMES.filter((f) => has(flags, f)).map((f) => `${f}-`);
  return set.join("") + (OP_NAMES[flags & 0xff] ?? "Unknown");
}

/** The T column of biosnoop (the kernel's blk_fill_rwbs): "R", "WS", "FWFS", "RA". Pure. */
export function rwbs(flags: number): string {
  let s = has(flags, "PreFlush") ? "F" : "";
  const op = OP_NAMES[flags & 0xff];
  s +=
    op === "Write"
      ? "W"
      : op === "Discard"
        ? "D"
        : op === "SecureErase"
          ? "DE"
          : op === "Flush"
            ? "F"
            : op === "Read"
              ? "R"
              : "N";
  if (has(flags, "FUA")) s += "F";
  if (has(flags, "ReadAhead")) s += "A";
  if (has(flags, "Sync")) s += "S";
  if (has(flags, "Metadata")) s += "M";
  return s;
}
