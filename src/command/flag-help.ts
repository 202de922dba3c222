// The OPTIONS lines of a command's --help from its declared flags (flag-declare.ts), in
// two columns, the help text wrapped.
import type { Flag, Flags } from "./flag-declare.js";

const HELP_WIDTH = 90;
const MAX_NAME_COLUMN = 28;

/** A positional argument as --help describes it (after the flags, in the same columns). */
export interface Positional {
  name: string;
  help: string;
}

/**
 * The OPTIONS lines of a command's --help, from its flags (then -h, --help unless
 * `withHelp` is false, then the `positionals`).
 */
export function flagHelp(flags: Flags, withHelp = true, positionals: readonly Positional[] = []): string {
  const help = { long: "help", short: "h", help: "this text" } as Flag<unknown>;
  const all = [...Object.values(flags), ...(withHelp ? [help] : [])];
  const names = all.map((f) => {
    const short = f.short ? `-${f.short}, ` : "    ";
    return `  ${short}--${f.long}${f.arg ? ` ${f.arg}` : ""}`;
  });
  for (const p of positionals) {
    all.push({ long: p.name, help: p.help } as Flag<unknown>);
    names.push(`  ${p.name}`);
  }
  const column = Math.min(MAX_NAME_COLUMN, Math.max(...names.map((n) => n.length)) + 2);
  const out: string[] = [];
  all.forEach((f, i) => {
    const lines = wrap(f.help, HELP_WIDTH - column);
    if (names[i].length + 2 > column) out.push(names[i]);
    else out.push(names[i].padEnd(column) + lines.shift());
    for (const l of lines) out.push(" ".repeat(column) + l);
  });
  return `${out.join("\n")}\n`;
}

/** Words into lines of at most `width` characters ("\n" in the text forces a break). */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split("\n")) {
    let line = "";
    for (const word of para.split(/ +/)) {
      if (line !== "" && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line === "" ? word : `${line} ${word}`;
    }
    out.push(line);
  }
  return out;
}
