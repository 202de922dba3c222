// A record layout with its decoder derived from the same declaration (cilium bpf2go: no
// offset or field read written by hand): `recordLayout(name, fields)` is records.ts's
// `layout` plus `decode(buf, off)`, which reads every field by its type: u8..s32 as
// numbers, u64/s64 as bigints, char arrays as C strings, other arrays as number lists.
// The decoded object's type follows the declaration, so a tool's decoder only renames
// or maps the fields it presents differently. `namedDecoder` is the common such map: the
// padding left out and one index field (a syscall, an operation) turned into its name.

import { cString, type FieldType, type Layout, layout, type Scalar } from "./records.js";

type Field = readonly [string, FieldType];

/** The value `decode` gives for a field of type T. */
export type FieldValue<T extends FieldType> = T extends "u64" | "s64"
  ? bigint
  : T extends Scalar
    ? number
    : T extends { array: "char" }
      ? string
      : number[];

/** The decoded record of a declaration: each field's name with its value's type. */
export type Decoded<Fs extends readonly Field[]> = { [P in Fs[number] as P[0]]: FieldValue<P[1]> };

export interface RecordLayout<Fs extends readonly Field[]> extends Layout<Fs[number][0]> {
  /** Every field of the record at byte `off` of `buf`. Pure. */
  decode(buf: Buffer, off: number): Decoded<Fs>;
}

const READ: Record<Scalar, (buf: Buffer, off: number) => number | bigint> = {
  u8: (b, o) => b.readUInt8(o),
  u16: (b, o) => b.readUInt16LE(o),
  u32: (b, o) => b.readUInt32LE(o),
  s32: (b, o) => b.readInt32LE(o),
  u64: (b, o) => b.readBigUInt64LE(o),
  s64: (b, o) => b.readBigInt64LE(o),
};
const SIZE: Record<Scalar, number> = { u8: 1, u16: 2, u32: 4, s32: 4, u64: 8, s64: 8 };

function reader(t: FieldType): (buf: Buffer, off: number) => unknown {
  if (typeof t === "string") return READ[t];
  if (t.array === "char") return (b, o) => cString(b, o, t.len);
  const read = READ[t.array];
  const size = SIZE[t.array];
  return (b, o) => Array.from({ length: t.len }, (_, i) => Number(read(b, o + i * size)));
}

/** A layout (C's alignment rules) and the decoder of its records. */
export function recordLayout<const Fs extends readonly Field[]>(name: string, fields: Fs): RecordLayout<Fs> {
  const l = layout(name, fields as readonly (readonly [Fs[number][0], FieldType])[]);
  const reads = fields.map(([f, t]) => [f, l.off[f as Fs[number][0]], reader(t)] as const);
  return {
    ...l,
    decode(buf, off) {
      const out: Record<string, unknown> = {};
      for (const [f, at, read] of reads) out[f] = read(buf, off + at);
      return out as Decoded<Fs>;
    },
  };
}

/** A record as `namedDecoder` gives it: its padding left out and field `key` named. */
export type NamedRecord<Fs extends readonly Field[], K extends string, S extends readonly string[]> = Omit<
  Decoded<Fs>,
  "pad" | K
> &
  Record<K, S[number]>;

/** The decoder of a record whose field `key` indexes `names` (opensnoop's syscall,
 * fsslower's operation): every field of `rec` but `pad`, and `key` as names[index]
 * (`fallback` past the table). Pure. */
export function namedDecoder<Fs extends readonly Field[], K extends string, S extends readonly string[]>(
  rec: RecordLayout<Fs>,
  key: K,
  names: S,
  fallback: S[number],
): (buf: Buffer, off: number) => NamedRecord<Fs, K, S> {
  return (buf, off) => {
    // A rest copy, not `delete r.pad`: deleting a property turns the object into a slow
    // dictionary, and opensnoop renders ~100k of these a second in a storm.
    const { pad: _pad, ...r }: Record<string, unknown> = rec.decode(buf, off);
    r[key] = names[r[key] as number] ?? fallback;
    return r as NamedRecord<Fs, K, S>;
  };
}
