// The layouts filetop.bpf.c shares with user space: its read-only config and the key and
// value of its `files` map. Offsets by C's rules (records.ts:layout); the C structs must
// match (sizes checked at load); the decoders are derived from the layouts.
import { recordLayout } from "../../sources/bpf/record-decode.js";
import { layout } from "../../sources/bpf/records.js";
import { FSTYPE_LEN } from "../fs-ops.js";

const FILE_NAME_LEN = 64;

export const CONFIG = layout("filetop_config", [
  ["tgid", "u32"],
  ["all", "u8"],
  ["pad", { array: "u8", len: 3 }],
  ["fstype", { array: "char", len: FSTYPE_LEN }],
]);

export const KEY = recordLayout("filetop_key", [
  ["ino", "u64"],
  ["dev", "u32"],
  ["rdev", "u32"],
  ["pid", "u32"],
  ["tid", "u32"],
]);

export const VALUE = recordLayout("filetop_value", [
  ["reads", "u64"],
  ["writes", "u64"],
  ["rbytes", "u64"],
  ["wbytes", "u64"],
  ["comm", { array: "char", len: 16 }],
  ["name", { array: "char", len: FILE_NAME_LEN }],
  ["type", "u8"],
  ["pad", { array: "u8", len: 7 }],
]);

export const LOST_WORDS = {
  start: "calls not counted: the map of calls in progress was full",
  files: "calls not counted: the map of threads and files was full",
};

export interface FiletopConfig {
  /** Only this process; 0: every process. */
  pid: number;
  /** Every file (-a), not only regular ones. */
  all: boolean;
}

/** The bytes of `const volatile struct filetop_config cfg`. Pure. */
export function configBytes(c: FiletopConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  b.writeUInt32LE(c.pid, CONFIG.off.tgid);
  b.writeUInt8(c.all ? 1 : 0, CONFIG.off.all);
  return b;
}

/** One (thread, file) row of an interval. */
export interface FileIo {
  pid: number;
  tid: number;
  comm: string;
  ino: bigint;
  dev: number;
  /** The file's name (its dentry's, as libbpf-tools prints it). */
  file: string;
  /** R regular file, S socket, O other. */
  type: string;
  reads: number;
  writes: number;
  rbytes: number;
  wbytes: number;
}

/** One entry of the `files` map. Pure. */
export function decodeRow(key: Buffer, value: Buffer): FileIo {
  const { ino, dev, pid, tid } = KEY.decode(key, 0);
  const v = VALUE.decode(value, 0);
  return {
    pid,
    tid,
    comm: v.comm,
    ino,
    dev,
    file: v.name,
    type: String.fromCharCode(v.type),
    reads: Number(v.reads),
    writes: Number(v.writes),
    rbytes: Number(v.rbytes),
    wbytes: Number(v.wbytes),
  };
}
