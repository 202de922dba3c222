// A real terminal for tests of interactive commands: a private tmux server (its own
// socket), one window of a given size running a command, keys sent with send-keys, the
// screen read with capture-pane: what a person would see, as text.
import { execFileSync, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";

export const TMUX_MISSING = spawnSync("tmux", ["-V"]).status === 0 ? false : "tmux is not installed";

export interface TmuxPane {
  /** The screen now, one string per row (trailing spaces trimmed). */
  screen(): string[];
  /** Keys in tmux's names (Enter, BSpace, Down, C-c) or literal text with `literal`. */
  send(keys: string[], literal?: boolean): void;
  /** Polls the screen until `pred` holds; throws with the last screen after `timeoutMs`. */
  waitFor(pred: (text: string) => boolean, timeoutMs?: number, what?: string): Promise<string>;
  /** A tmux format variable of the pane (alternate_on, cursor_flag, pane_dead, ...). */
  variable(name: string): string;
  resize(width: number, height: number): void;
  kill(): void;
}

/** `command` runs through `sh -c` in a width x height window (remain-on-exit keeps its last screen). */
export function startTmux(
  command: string,
  o: { width: number; height: number; env?: Record<string, string> },
): TmuxPane {
  const socket = `tsnap-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const tmux = (...args: string[]) =>
    execFileSync("tmux", ["-L", socket, "-f", "/dev/null", ...args], { encoding: "utf8" });
  const env = Object.entries(o.env ?? {}).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  // No status bar: the pane is the whole window, width x height.
  tmux("new-session", "-d", "-s", "t", "-x", String(o.width), "-y", String(o.height), ...env, "sleep 600");
  tmux("set-option", "-t", "t", "status", "off");
  tmux("set-option", "-t", "t", "remain-on-exit", "on");
  tmux("respawn-pane", "-k", "-t", "t", command);
  const pane = {
    screen: () =>
      tmux("capture-pane", "-p", "-t", "t")
        .replace(/\n$/, "")
        .split("\n")
        .map((l) => l.trimEnd()),
    send: (keys: string[], literal = false) => {
      tmux("send-keys", "-t", "t", ...(literal ? ["-l"] : []), ...keys);
    },
    async waitFor(pred: (text: string) => boolean, timeoutMs = 15_000, what = "the screen"): Promise<string> {
      const end = Date.now() + timeoutMs;
      let text = "";
      for (;;) {
        text = pane.screen().join("\n");
        if (pred(text)) return text;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; the screen:\n${text}`);
        await new Promise((r) => setTimeout(r, 150));
      }
    },
    variable: (name: string) => tmux("display-message", "-p", "-t", "t", `#{${name}}`).trim(),
    resize: (width: number, height: number) => {
      tmux("resize-window", "-t", "t", "-x", String(width), "-y", String(height));
    },
    kill: () => {
      spawnSync("tmux", ["-L", socket, "kill-server"]);
      const dir = process.env.TMUX_TMPDIR ?? "/tmp";
      rmSync(`${dir}/tmux-${process.getuid?.() ?? 0}/${socket}`, { force: true });
    },
  };
  return pane;
}
