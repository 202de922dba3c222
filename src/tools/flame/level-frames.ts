// One level's value as frames: a stack (leaf first in files and in `top`) becomes its
// frames root first, offsets dropped unless kept; a syscall of "-" (not in one) and empty
// values add nothing; anything else is one frame. Shared by history (query rows) and
// `tsnap top --flame` (live rows).
import { frameName } from "../../model/derived-columns.js";

/** `sep`: ';' in capture files, '<-' in top's stack columns. */
export function levelFrames(
  value: unknown,
  kind: "stack" | "syscall" | "plain",
  opts: { sep?: string; keepOffsets?: boolean } = {},
): string[] {
  if (value === null || value === undefined) return [];
  const text = String(value);
  if (text === "") return [];
  if (kind === "syscall") return text === "-" ? [] : [text];
  if (kind === "plain") return [text];
  const parts = text.split(opts.sep ?? ";").filter((f) => f !== "");
  const out: string[] = [];
  for (let i = parts.length - 1; i >= 0; i--) out.push(opts.keepOffsets ? parts[i] : frameName(parts[i]));
  return out;
}

/** The kind of a level or column by its name. */
export function levelKind(name: string): "stack" | "syscall" | "plain" {
  if (/^[ku]stack(_syms)?$/.test(name)) return "stack";
  if (name === "syscall" || name === "syscall_active") return "syscall";
  return "plain";
}
