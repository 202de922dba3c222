// Says when capture falls behind its schedule (a CPU quota, an overloaded machine): the
// loop skips slots a late round overran, and this turns the count into log lines, one
// when rounds start being missed, at most one a minute while it goes on, one when it
// stops. Pure: takes the loop's counts and the time, returns the line to print.

const REPEAT_US = 60e6;

function clockText(us: number): string {
  return `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

export class MissedRounds {
  /** Rounds missed since the start. */
  total = 0;
  private since: number | null = null;
  private atStart = 0;
  private lastLine = 0;
  private lastMiss = 0;

  constructor(private readonly hz: number) {}

  /** `index` rounds were taken before this one, which has schedule slot `slot`. */
  observe(index: number, slot: number, nowUs: number): string | null {
    const missed = slot - index;
    const grew = missed > this.total;
    const before = this.total;
    this.total = Math.max(this.total, missed);
    if (grew) this.lastMiss = nowUs;
    if (this.since === null) {
      if (!grew) return null;
      this.since = nowUs;
      this.atStart = before;
      this.lastLine = nowUs;
      return `tsnap capture: falling behind: ${missed - before} rounds missed since ${clockText(nowUs)} (a round took longer than ${(1000 / this.hz).toFixed(0)} ms: CPU quota or overload)`;
    }
    const n = this.total - this.atStart;
    if (!grew && nowUs - this.lastMiss >= REPEAT_US) {
      const line = `tsnap capture: on schedule again: ${n} rounds missed from ${clockText(this.since)} to ${clockText(this.lastMiss)}`;
      this.since = null;
      return line;
    }
    if (grew && nowUs - this.lastLine >= REPEAT_US) {
      this.lastLine = nowUs;
      return `tsnap capture: still behind: ${n} rounds missed since ${clockText(this.since)}`;
    }
    return null;
  }
}
