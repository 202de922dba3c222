// The terminal under `tsnap ui`: raw keys, the alternate screen, redraws of changed
// lines only, resize, and the terminal restored on every way out (q, Ctrl-C, SIGTERM, an
// exception: restore() runs from the caller's finally and, as a last resort, at exit).
// The only module of the tool that writes escape sequences to a real terminal.

export interface TerminalSize {
  width: number;
  height: number;
}

const ENTER = "\x1b[?1049h\x1b[?25l\x1b[2J";
const LEAVE = "\x1b[0m\x1b[?25h\x1b[?1049l";

export class Terminal {
  private last: string[] = [];
  private active = false;
  private readonly onExit = () => this.restore();

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly input: NodeJS.ReadStream,
  ) {}

  size(): TerminalSize {
    return { width: Math.max(20, this.out.columns || 80), height: Math.max(10, this.out.rows || 24) };
  }

  enter(onKeys: (chunk: string) => void, onResize: () => void): void {
    this.active = true;
    process.on("exit", this.onExit);
    // After a hangup writes fail (EIO): ignored, so the way out still cleans up.
    this.out.on("error", () => {});
    this.out.write(ENTER);
    if (this.input.isTTY) this.input.setRawMode(true);
    this.input.setEncoding("utf8");
    this.input.on("data", onKeys);
    this.input.resume();
    this.out.on("resize", () => {
      this.last = [];
      this.out.write("\x1b[2J");
      onResize();
    });
  }

  /** Write the lines that differ from the last frame (each line is a whole screen row). */
  draw(lines: string[]): void {
    if (!this.active) return;
    let buf = "";
    for (let i = 0; i < lines.length; i++) {
      if (this.last[i] === lines[i]) continue;
      buf += `\x1b[${i + 1};1H\x1b[0m${lines[i]}\x1b[0m`;
    }
    this.last = lines;
    if (buf) this.out.write(buf);
  }

  /** Leave the alternate screen, show the cursor, cooked mode again. Safe to call twice. */
  restore(): void {
    if (!this.active) return;
    this.active = false;
    process.off("exit", this.onExit);
    try {
      if (this.input.isTTY) this.input.setRawMode(false);
    } catch {
      // stdin already closed
    }
    this.input.pause();
    this.out.write(LEAVE);
  }
}
