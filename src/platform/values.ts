// Value conversions every output shares: one place each for hex text and for bigints made
// plain for JSON (and for DuckDB's rows, which hold BIGINT/UBIGINT values as bigints).

/**
 * Hex digits of a value: "0x" + digits for display (`tsnap top`), bare digits in capture
 * files (the form 0x.tools xcapture writes and `tsnap query` reads back).
 */
export function hexText(v: bigint | null | undefined, prefix: "0x" | ""): string | null {
  return v === null || v === undefined ? null : `${prefix}${v.toString(16)}`;
}

/** A bigint as a JSON number when it is exact as one, else as its decimal string. */
export function plainBigint(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)
    ? Number(v)
    : v.toString();
}

/** A 64-bit stack hash as the files key it: 16 hex digits. */
export function hashHex(h: bigint): string {
  return h.toString(16).padStart(16, "0");
}
