// Numbers typed by users: plain decimal only. JavaScript's Number() also reads "0x10" (16),
// "0b11", "1e3" and " 5 ", which nobody means on a command line or in a filter.

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** The value of a plain decimal number ("5", "-2.5", ".5"), or null for anything else. */
export function parseDecimal(text: string): number | null {
  if (!DECIMAL.test(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}
