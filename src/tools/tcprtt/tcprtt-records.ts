// The layouts tcprtt.bpf.c shares with user space: its read-only config and the key of its
// `hists` map (the value is hist-tool.ts's LOG_HIST). Offsets by C's rules
// (records.ts:layout); the C structs must match (sizes checked at load).
import { isIP } from "node:net";
import { UsageError } from "../../errors.js";
import { layout } from "../../sources/bpf/records.js";
import { AF_INET, AF_INET6, familyOf, inetNtop } from "../tcp-tool.js";

export const CONFIG = layout("tcprtt_config", [
  ["laddr", { array: "u8", len: 16 }],
  ["raddr", { array: "u8", len: 16 }],
  ["laddr_family", "u16"],
  ["raddr_family", "u16"],
  ["lport", "u16"],
  ["rport", "u16"],
  ["by", "u8"],
  ["ms", "u8"],
  ["family", "u16"],
]);

export const KEY = layout("tcprtt_key", [
  ["addr", { array: "u8", len: 16 }],
  ["family", "u16"],
  ["pad", "u16"],
]);

export const LOST_WORDS = {
  start: "samples lost",
  hist: "samples not counted: the map of histograms was full",
};

/** An address as the kernel compares it: its family and 16 bytes (IPv4 in the first 4). */
export interface Addr {
  family: number;
  bytes: Buffer;
}

/** A typed IPv4 or IPv6 address (-a, -A). Pure. */
export function parseAddr(text: string, label: string): Addr {
  const v = isIP(text);
  if (v === 0) throw new UsageError(`${label} must be an IPv4 or IPv6 address, got '${text}'`);
  const bytes = Buffer.alloc(16);
  if (v === 4) {
    for (const [i, o] of text.split(".").entries()) bytes.writeUInt8(Number(o), i);
  } else {
    // expand "::" and an embedded dotted quad into 8 groups
    let t = text;
    const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(t);
    if (quad) {
      const o = quad[1].split(".").map(Number);
      t = `${t.slice(0, -quad[1].length)}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
    }
    const [head, tail] = t.split("::");
    const h = head ? head.split(":") : [];
    const tl = tail !== undefined && tail !== "" ? tail.split(":") : [];
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - tl.length).fill("0"), ...tl];
    for (const [i, g] of groups.entries()) bytes.writeUInt16BE(Number.parseInt(g, 16), 2 * i);
  }
  return { family: v === 4 ? AF_INET : AF_INET6, bytes };
}

export interface TcprttConfig {
  laddr?: Addr;
  raddr?: Addr;
  lport: number;
  rport: number;
  by: "none" | "laddr" | "raddr";
  ms: boolean;
  ip?: 4 | 6;
}

/** The bytes of `const volatile struct tcprtt_config cfg`. Pure. */
export function configBytes(c: TcprttConfig): Buffer {
  const b = Buffer.alloc(CONFIG.size);
  if (c.laddr) {
    c.laddr.bytes.copy(b, CONFIG.off.laddr);
    b.writeUInt16LE(c.laddr.family, CONFIG.off.laddr_family);
  }
  if (c.raddr) {
    c.raddr.bytes.copy(b, CONFIG.off.raddr);
    b.writeUInt16LE(c.raddr.family, CONFIG.off.raddr_family);
  }
  b.writeUInt16LE(c.lport, CONFIG.off.lport);
  b.writeUInt16LE(c.rport, CONFIG.off.rport);
  b.writeUInt8(c.by === "laddr" ? 1 : c.by === "raddr" ? 2 : 0, CONFIG.off.by);
  b.writeUInt8(c.ms ? 1 : 0, CONFIG.off.ms);
  b.writeUInt16LE(familyOf(c.ip), CONFIG.off.family);
  return b;
}

/** The address of a key, as inet_ntop writes it; null for the one key of all addresses. Pure. */
export function keyAddr(key: Buffer): string | null {
  const family = key.readUInt16LE(KEY.off.family);
  if (family === 0) return null;
  const ip = family === AF_INET ? 4 : 6;
  return inetNtop(ip, key.subarray(KEY.off.addr, KEY.off.addr + (ip === 4 ? 4 : 16)));
}
