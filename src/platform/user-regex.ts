// Regular expressions typed by users (-p, syscalls, tracepoints) compiled for V8's
// linear-time engine (RegExp flag "l"), so that no pattern can spin: matching takes time
// proportional to pattern × text, never exponential (`(.*.*)*X` cannot hang tsnap).
// The engine is behind a V8 flag that can be set at run time before the first "l" regex
// is compiled; this module sets it on load. Patterns that need backtracking
// (backreferences, lookaround) and counted repetitions above {16} (the engine expands
// them) are refused with one usage line.
import { setFlagsFromString } from "node:v8";
import { UsageError } from "../errors.js";

setFlagsFromString("--enable-experimental-regexp-engine");

/** Longest pattern accepted: far above any real one, far below what strains the compiler. */
export const MAX_PATTERN_LENGTH = 4096;

let linearWorks: boolean | undefined;

/** True when this V8 accepts the linear-time flag (Node 16.? and later do). */
export function linearEngineAvailable(): boolean {
  if (linearWorks === undefined) {
    try {
      // biome-ignore lint/complexity/useRegexLiterals: a /a/l literal is a syntax error before the flag is set
      linearWorks = new RegExp("a", "l").flags.includes("l");
    } catch {
      linearWorks = false;
    }
  }
  return linearWorks;
}

/**
 * Compiles a user pattern for linear-time matching. `name` is what the user typed it
 * for ("-p", "REGEX"), used in the error line. Throws UsageError for a bad pattern, one
 * that needs backtracking, or one longer than MAX_PATTERN_LENGTH.
 */
export function compileUserRegex(text: string, name: string, flags = "", memo = false): RegExp {
  if (text.length > MAX_PATTERN_LENGTH)
    throw new UsageError(
      `${name}: regular expression of ${text.length} characters is too long (at most ${MAX_PATTERN_LENGTH})`,
    );
  if (!linearEngineAvailable())
    throw new UsageError(`${name}: this Node.js has no linear-time regular expression engine`);
  try {
    return memo ? new MemoRegExp(text, `${flags}l`) : new RegExp(text, `${flags}l`);
  } catch (err) {
    const msg = (err as Error).message;
    if (/linear time/i.test(msg))
      throw new UsageError(
        `${name}: '${shorten(text)}' needs backtracking (a backreference, lookaround, or a counted repetition above {16}), which tsnap refuses: patterns must match in linear time`,
      );
    throw new UsageError(
      `${name}: bad regular expression '${shorten(text)}': ${msg.replace(/^Invalid regular expression: \/.*\/\w*: /s, "")}`,
    );
  }
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Entries kept by MemoRegExp before it starts over. */
const MEMO_LIMIT = 65536;

/**
 * A regex matched against the same short texts again and again (thread names, every
 * round): test() remembers its answers. The linear engine costs ~0.3 µs per name where
 * backtracking costs ~0.03; remembered, a round of 600 names costs a map lookup each.
 */
class MemoRegExp extends RegExp {
  private readonly seen = new Map<string, boolean>();

  override test(text: string): boolean {
    let hit = this.seen.get(text);
    if (hit === undefined) {
      if (this.seen.size >= MEMO_LIMIT) this.seen.clear();
      hit = super.test(text);
      this.seen.set(text, hit);
    }
    return hit;
  }
}
