// 64-bit FNV-1a of a stack's text, as 16 hex digits: the proc source gives frames as
// text, and the files key stacks by hash so one dictionary serves both sources.

const PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;

export function fnv1a64(text: string): bigint {
  let h = 0xcbf29ce484222325n;
  const bytes = Buffer.from(text, "utf8");
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * PRIME) & MASK;
  }
  return h;
}

export { hashHex } from "../platform/values.js";
