// What the tcp* tools share: the `struct sock_id` of kernel/lib/sock.bpf.h (family,
// addresses, ports) declared once and decoded, addresses printed as inet_ntop does, the
// comma-separated port-list flag, the -4/-6 choice, and the kernel's port-list and family
// config bytes; their event loop (snoop-tool.ts's, with each record's wall time and
// seconds since the first).
import { requireBpfPrivilege } from "../bpf/privilege.js";
import type { Flag } from "../command/args.js";
import type { Io } from "../command/command.js";
import { UsageError } from "../errors.js";
import type { Decoded, RecordLayout } from "../sources/bpf/record-decode.js";
import type { FieldType } from "../sources/bpf/records.js";
import { runSnoopLoop, type SnoopLoopOptions, type SnoopSource } from "./snoop-tool.js";

/** SOCK_MAX_PORTS of sock.bpf.h: the length of a port list in a config. */
export const MAX_PORTS = 8;

/** The fields of `struct sock_id`, to spread into a record's layout (16 + 16 + 4 × u16). */
export const SOCK_ID_FIELDS = [
  ["saddr", { array: "u8", len: 16 }],
  ["daddr", { array: "u8", len: 16 }],
  ["family", "u16"],
  ["sport", "u16"],
  ["dport", "u16"],
  ["id_pad", "u16"],
] as const satisfies readonly (readonly [string, FieldType])[];

type SockIdField = (typeof SOCK_ID_FIELDS)[number][0];

export const AF_INET = 2;
export const AF_INET6 = 10;

/** A connection: IP version, source and destination address and port (host order). */
export interface SockId {
  ip: 4 | 6;
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
}

/** Decodes the sock_id fields of a record at `base` (offsets from its layout). Pure. */
export function decodeSockId(buf: Buffer, base: number, off: Readonly<Record<SockIdField, number>>): SockId {
  const family = buf.readUInt16LE(base + off.family);
  const ip = family === AF_INET6 ? 6 : 4;
  const n = ip === 4 ? 4 : 16;
  return {
    ip,
    saddr: inetNtop(ip, buf.subarray(base + off.saddr, base + off.saddr + n)),
    sport: buf.readUInt16LE(base + off.sport),
    daddr: inetNtop(ip, buf.subarray(base + off.daddr, base + off.daddr + n)),
    dport: buf.readUInt16LE(base + off.dport),
  };
}

/** A tcp record as decoded: its own fields as declared (padding left out), its sock_id as a SockId. */
export type SockRecord<Fs extends readonly (readonly [string, FieldType])[]> = Omit<
  Decoded<Fs>,
  SockIdField | "pad"
> &
  SockId;

/** The decoder of a record with a sock_id, derived from its layout (record-decode.ts). Pure. */
export function sockRecordDecoder<Fs extends readonly (readonly [string, FieldType])[]>(
  rec: RecordLayout<Fs>,
): (buf: Buffer, off: number) => SockRecord<Fs> {
  const drop = rec.fields.map(([f]) => f).filter((f) => f === "pad" || SOCK_ID_FIELDS.some(([s]) => s === f));
  const off = rec.off as Readonly<Record<SockIdField, number>>;
  return (buf, base) => {
    const r: Record<string, unknown> = rec.decode(buf, base);
    for (const f of drop) delete r[f];
    return Object.assign(r, decodeSockId(buf, base, off)) as SockRecord<Fs>;
  };
}

/** glibc's inet_ntop: dotted quad; IPv6 with the longest run (≥ 2) of zero groups as "::",
 * and ::ffff:a.b.c.d / ::a.b.c.d for mapped and compatible addresses. Pure. */
export function inetNtop(ip: 4 | 6, b: Uint8Array): string {
  if (ip === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const w = Array.from({ length: 8 }, (_, i) => (b[2 * i] << 8) | b[2 * i + 1]);
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  for (let i = 0; i < 8; i++) {
    if (w[i] === 0) {
      cur = cur.base === -1 ? { base: i, len: 1 } : { base: cur.base, len: cur.len + 1 };
      if (cur.len > best.len) best = cur;
    } else cur = { base: -1, len: 0 };
  }
  if (best.len < 2) best = { base: -1, len: 0 };
  let s = "";
  for (let i = 0; i < 8; i++) {
    if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) s += ":";
      continue;
    }
    if (i !== 0) s += ":";
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && w[5] === 0xffff))) {
      s += `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
      break;
    }
    s += w[i].toString(16);
  }
  if (best.base !== -1 && best.base + best.len === 8) s += ":";
  return s;
}

/** A comma-separated list of ports (1-65535), at most MAX_PORTS; [] when absent. */
export function portsFlag(n: { long: string; short?: string; help: string }): Flag<number[]> {
  return {
    ...n,
    arg: "PORTS",
    parse(raw, label) {
      if (raw === undefined) return [];
      const parts = String(raw).split(",");
      if (parts.length > MAX_PORTS) throw new UsageError(`${label} takes at most ${MAX_PORTS} ports`);
      return parts.map((p) => {
        const t = p.trim();
        if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > 65535)
          throw new UsageError(`${label} must be ports from 1 to 65535 separated by commas, got '${raw}'`);
        return Number(t);
      });
    },
  };
}

/** Writes a port list as `__u16 ports[SOCK_MAX_PORTS]` (0-terminated). */
export function writePorts(b: Buffer, at: number, ports: readonly number[]): void {
  ports.forEach((p, i) => {
    b.writeUInt16LE(p, at + 2 * i);
  });
}

/** `-4`/`-6` → the IP version to trace (undefined: both); both given is a usage error. */
export function ipChoice(o: { ipv4: boolean; ipv6: boolean }): 4 | 6 | undefined {
  if (o.ipv4 && o.ipv6) throw new UsageError("-4 and -6 exclude each other");
  return o.ipv4 ? 4 : o.ipv6 ? 6 : undefined;
}

/** The address family a kernel program filters on for an IP version (0: both). */
export function familyOf(ip: 4 | 6 | undefined): number {
  return ip === 4 ? AF_INET : ip === 6 ? AF_INET6 : 0;
}

/** How a tcp tool prints one record: NDJSON with its wall time, or text with seconds since the first. */
export interface TcpPrinter<E> {
  json: boolean;
  jsonLine(e: E, at: Date): string;
  line(e: E, at: Date, sinceFirstS: number): string;
}

/**
 * The event loop of the tcp tools (snoop-tool.ts's, until Ctrl-C or -d): each ring record
 * decoded and printed by `print`. Closes `src`.
 */
export function runTcpEvents<E extends { ts: bigint }>(
  io: Io,
  loop: SnoopLoopOptions,
  src: SnoopSource,
  decode: (buf: Buffer, off: number) => E,
  print: TcpPrinter<E>,
): Promise<number> {
  return runSnoopLoop(io, loop, src, (buf, off, _len, clock) => {
    const e = decode(buf, off);
    const at = clock.wall(e.ts);
    return print.json ? print.jsonLine(e, at) : print.line(e, at, clock.sinceFirst(e.ts));
  });
}

/** One run of a tcp event tool once its flags are parsed: what to say, how to load, how to print. */
export interface TcpToolRun<E> extends TcpPrinter<E> {
  /** The command's name (the privilege message). */
  tool: string;
  header: string;
  tracing: string;
  durationS: number;
  /** What the ring's lost counter means ("sessions lost (ring buffer full)"). */
  lost: string;
  /** The tool's -load.ts, imported only now (after the privilege check). */
  load(): Promise<SnoopSource>;
  decode(buf: Buffer, off: number): E;
}

/** Checks for root, loads the kernel side and runs runTcpEvents until Ctrl-C or -d. */
export async function runTcpTool<E extends { ts: bigint }>(io: Io, r: TcpToolRun<E>): Promise<number> {
  requireBpfPrivilege(r.tool);
  const src = await r.load();
  const loop = {
    json: r.json,
    header: r.header,
    tracing: r.tracing,
    durationS: r.durationS,
    lostWords: { ring: r.lost },
  };
  return runTcpEvents(io, loop, src, r.decode, r);
}
