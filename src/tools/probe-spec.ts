// bcc's probe syntax for the generic tracers (funccount, funclatency, stackcount): the text
// a user types, parsed into what to probe. Pure: no file is read here (probe-targets.ts
// resolves libraries, symbols and tracepoints). The input is hostile: anything that is not
// one of the forms below is a UsageError naming what is wrong.
//
//   t:category:event      a tracepoint ("t:sched:sched_switch", "t:syscalls:sys_enter_*")
//   p:LIB:func            a uprobe: LIB is a path ("/usr/bin/x") or a library name ("c",
//   r:LIB:func            "libc", "pthread") searched like bcc; r: is a uretprobe
//   LIB:func              a uprobe (funccount's and funclatency's short form)
//   u:LIB:provider:probe  a USDT probe (.note.stapsdt; funccount and stackcount attach them)
//   k:func, kr:func, func, p::func, r::func   a kernel function (kprobe / kretprobe)
// `func`, `event` and `category` may be patterns: `*` any run of characters, `?` one
// (or a regular expression with the tools' -r).
import { UsageError } from "../errors.js";

export type ProbeKind = "uprobe" | "uretprobe" | "tracepoint" | "kprobe" | "kretprobe" | "usdt";

export interface ProbeSpec {
  kind: ProbeKind;
  /** uprobes and USDT: the path or library name; tracepoints: the category; kprobes: "". */
  target: string;
  /** The function, event or USDT probe (a pattern). */
  name: string;
  /** USDT only: the provider. */
  provider?: string;
  /** What the user typed. */
  text: string;
}

/** Longest spec accepted (a path of PATH_MAX and a long symbol). */
export const MAX_SPEC_LENGTH = 8192;

const NAME_CHARS = /^[A-Za-z0-9_.@$*?]+$/;
const TP_CHARS = /^[A-Za-z0-9_*?]+$/;
const KIND_LETTERS: Record<string, ProbeKind> = { p: "uprobe", r: "uretprobe", t: "tracepoint", u: "usdt" };

function fail(text: string, why: string): never {
  const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  throw new UsageError(`probe '${shown.replace(/[^\x20-\x7e]/g, "?")}': ${why}`);
}

/**
 * Parses one probe spec. `regex`: the name part is a regular expression (-r), so only its
 * length is checked here. Throws UsageError. Pure.
 */
export function parseProbeSpec(text: string, regex = false): ProbeSpec {
  if (text.length === 0) fail(text, "empty");
  if (text.length > MAX_SPEC_LENGTH) fail(text, `longer than ${MAX_SPEC_LENGTH} characters`);
  if (/[\x00-\x1f\x7f]/.test(text)) fail(text, "contains control characters");
  const checkName = (name: string, what: string, chars = NAME_CHARS) => {
    if (name === "") fail(text, `no ${what}`);
    if (!regex && !chars.test(name))
      fail(text, `bad ${what} '${name}' (letters, digits, _ . @ $ and the wildcards * ?)`);
    return name;
  };
  const parts = text.split(":");
  const head = parts[0];
  if (parts.length === 1) return { kind: "kprobe", target: "", name: checkName(head, "function"), text };
  if ((head === "k" || head === "kr") && parts.length === 2)
    return {
      kind: head === "k" ? "kprobe" : "kretprobe",
      target: "",
      name: checkName(parts[1], "function"),
      text,
    };
  if (parts.length === 2) {
    // LIB:func (a path may hold no ':' in this form, as in bcc)
    if (head === "") fail(text, "no library before ':'");
    return { kind: "uprobe", target: head, name: checkName(parts[1], "function"), text };
  }
  const kind = KIND_LETTERS[head];
  if (!kind) fail(text, `unknown probe type '${head}' (t:, p:, r:, u:, k:, kr:)`);
  if (kind === "tracepoint") {
    if (parts.length !== 3) fail(text, "a tracepoint is t:category:event");
    return {
      kind,
      target: checkName(parts[1], "category", TP_CHARS),
      name: checkName(parts[2], "event", TP_CHARS),
      text,
    };
  }
  if (kind === "usdt") {
    if (parts.length !== 4) fail(text, "a USDT probe is u:LIB:provider:probe");
    if (parts[1] === "") fail(text, "no library or path");
    return {
      kind,
      target: parts[1],
      provider: checkName(parts[2], "provider"),
      name: checkName(parts[3], "probe"),
      text,
    };
  }
  // p:LIB:func or r:LIB:func; a path may contain ':' (the function is after the last one)
  const name = parts[parts.length - 1];
  const target = parts.slice(1, -1).join(":");
  if (target === "")
    return {
      kind: kind === "uprobe" ? "kprobe" : "kretprobe",
      target: "",
      name: checkName(name, "function"),
      text,
    };
  return { kind, target, name: checkName(name, "function"), text };
}

/** True when the name part holds a wildcard. Pure. */
export const isPattern = (name: string): boolean => /[*?]/.test(name);

/** A glob (`*`, `?`) as an anchored RegExp source. Pure. */
export function globSource(glob: string): string {
  return `^${glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".")}$`;
}

/** How a probe is shown in headers and keys: bcc's words ("c:malloc", "sched:sched_switch"). */
export function specLabel(s: ProbeSpec): string {
  if (s.kind === "tracepoint") return `${s.target}:${s.name}`;
  if (s.kind === "usdt") return `${s.target}:${s.provider}:${s.name}`;
  return s.target ? `${s.target}:${s.name}` : s.name;
}
