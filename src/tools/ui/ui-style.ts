// Colours and glyphs of thread states, for 16-colour and truecolour terminals, and a
// letter per state when NO_COLOR (or a dumb terminal) asks for none. Pure: names in,
// escape sequences out. Also the display-width helpers every screen part uses.

export type ColorMode = "none" | "16" | "truecolor";

interface StateStyle {
  sgr16: string;
  rgb: [number, number, number];
  letter: string;
}

const STYLES: Record<string, StateStyle> = {
  RUN: { sgr16: "32", rgb: [60, 200, 80], letter: "R" },
  RUNQ: { sgr16: "33", rgb: [230, 200, 40], letter: "Q" },
  DISK: { sgr16: "34", rgb: [70, 120, 240], letter: "D" },
  VFORK: { sgr16: "35", rgb: [200, 80, 200], letter: "V" },
  SLEEP: { sgr16: "90", rgb: [140, 140, 140], letter: "s" },
};
const OTHER: StateStyle = { sgr16: "36", rgb: [60, 190, 200], letter: "o" };

/** Bottom-up order of the timeline's stacks: the active states first. */
export const STATE_ORDER = ["RUN", "RUNQ", "DISK", "VFORK", "SLEEP"];

export function stateRank(state: string): number {
  const i = STATE_ORDER.indexOf(state);
  return i < 0 ? STATE_ORDER.length : i;
}

export function stateStyle(state: string): StateStyle {
  return STYLES[state] ?? OTHER;
}

/** `text` in the state's colour (foreground). */
export function paint(state: string, text: string, mode: ColorMode): string {
  const st = stateStyle(state);
  if (mode === "none") return text;
  const sgr = mode === "16" ? st.sgr16 : `38;2;${st.rgb.join(";")}`;
  return `\x1b[${sgr}m${text}\x1b[39m`;
}

/** One timeline cell of a state: a coloured block, or its letter without colour. */
export function cell(state: string, mode: ColorMode): string {
  return mode === "none" ? stateStyle(state).letter : paint(state, "█", mode);
}

export const REVERSE = (s: string) => `\x1b[7m${s}\x1b[27m`;
export const BOLD = (s: string) => `\x1b[1m${s}\x1b[22m`;
export const UNDERLINE = (s: string) => `\x1b[4m${s}\x1b[24m`;

/** Cut or pad to exactly `w` characters (an ellipsis marks a cut). */
export function fit(s: string, w: number): string {
  if (w <= 0) return "";
  if (s.length > w) return w === 1 ? "…" : `${s.slice(0, w - 1)}…`;
  return s.padEnd(w);
}

/** The colour mode from the environment: NO_COLOR (any value) and TERM=dumb mean none. */
export function colorModeOf(env: NodeJS.ProcessEnv): ColorMode {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return "none";
  if (env.TERM === "dumb") return "none";
  if (env.COLORTERM === "truecolor" || env.COLORTERM === "24bit") return "truecolor";
  return "16";
}

/** Characters a line takes on screen (escape sequences take none). */
export function visibleLength(s: string): number {
  return stripSgr(s).length;
}

/** The text without its SGR (colour, reverse, underline) sequences. */
export function stripSgr(s: string): string {
  return s.replace(/\x1b\[[0-9;]*m/g, "");
}

/** Pad a line that may hold escape sequences to `w` visible characters. */
export function padVisible(s: string, w: number): string {
  return s + " ".repeat(Math.max(0, w - visibleLength(s)));
}
