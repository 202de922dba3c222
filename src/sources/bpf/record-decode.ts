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

// Buffer's reader of each scalar type, by method name (the compiled decoder calls them).
const READ: Record<Scalar, string> = {
  u8: "readUInt8",
  u16: "readUInt16LE",
  u32: "readUInt32LE",
  s32: "readInt32LE",
  u64: "readBigUInt64LE",
  s64: "readBigInt64LE",
};
const SIZE: Record<Scalar, number> = { u8: 1, u16: 2, u32: 4, s32: 4, u64: 8, s64: 8 };

/** The expression that reads a field of type `t` at `b`'s byte `o + at`. */
function readExpr(t: FieldType, at: number): string {
  if (typeof t === "string") return `b.${READ[t]}(o + ${at})`;
  if (t.array === "char") return `cString(b, o + ${at}, ${t.len})`;
  const items = Array.from(
    { length: t.len },
    (_, i) => `Number(b.${READ[t.array as Scalar]}(o + ${at + i * SIZE[t.array as Scalar]}))`,
  );
  return `[${items.join(", ")}]`;
}

/**
 * The decoder of a layout's records, compiled from its declaration (bpf2go's generated
 * decoders, made at load): one object literal of the fields (`omit` left out; `named`'s
 * index field turned into names[index], `fallback` past the table), so every record has
 * the same shape and no field is read through a table at run time. The event tools decode
 * ~100k records a second in a storm (bench/tools-cost.ts).
 */
function compileDecoder(
  l: Layout<string>,
  omit: ReadonlySet<string>,
  named?: { key: string; names: readonly string[]; fallback: string },
): (buf: Buffer, off: number) => unknown {
  const props = l.fields
    .filter(([f]) => !omit.has(f))
    .map(([f, t]) => {
      const read = readExpr(t, l.off[f]);
      const value = named?.key === f ? `names[${read}] ?? fallback` : read;
      return `${JSON.stringify(f)}: ${value}`;
    });
  const body = `return function decode(b, o) { return { ${props.join(", ")} }; };`;
  return new Function("cString", "names", "fallback", body)(cString, named?.names, named?.fallback);
}

/** A layout (C's alignment rules) and the decoder of its records. */
export function recordLayout<const Fs extends readonly Field[]>(name: string, fields: Fs): RecordLayout<Fs> {
  const l = layout(name, fields as readonly (readonly [Fs[number][0], FieldType])[]);
  return { ...l, decode: compileDecoder(l, new Set()) as RecordLayout<Fs>["decode"] };
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
  return compileDecoder(rec, new Set(["pad"]), { key, names, fallback }) as (
    buf: Buffer,
    off: number,
  ) => NamedRecord<Fs, K, S>;
}
