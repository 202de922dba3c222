// CSV lines encoded one by one into a reused byte buffer. Node's Buffer.from of a round's
// lines concatenated (hundreds of rows, a rope of thousands of pieces) costs several times
// what encoding each line as it is made does: capture's samples rows of a -a round took
// ~3.5 ms to encode that way and ~0.4 ms this way (600 rows, bench/capture-breakdown.ts).

export class RowBuffer {
  private buf = Buffer.allocUnsafe(1 << 16);
  private used = 0;

  /** Appends a line (UTF-8). */
  put(line: string): void {
    // A UTF-16 unit is at most 3 UTF-8 bytes: room for that, so write never truncates.
    if (this.used + 3 * line.length > this.buf.length) this.grow(3 * line.length);
    this.used += this.buf.write(line, this.used, "utf8");
  }

  get length(): number {
    return this.used;
  }

  /** The bytes put since the last take (a view: valid until the next put), and starts over. */
  take(): Buffer {
    const v = this.buf.subarray(0, this.used);
    this.used = 0;
    return v;
  }

  private grow(more: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.used + more));
    this.buf.copy(bigger, 0, 0, this.used);
    this.buf = bigger;
  }
}
