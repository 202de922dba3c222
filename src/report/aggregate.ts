// Counts samples per group of column values over a window of rounds. avg_threads is
// samples / rounds: how many threads were in that group on average at any instant. With
// time-bucket columns, a row's rounds are those of its bucket, and rows sort by time.
import type { Sample } from "../model/sample.js";
import type { CellValue, Column } from "./columns.js";

export interface GroupRow {
  values: CellValue[];
  samples: number;
  avg_threads: number;
}

export class Aggregator {
  private readonly groups = new Map<string, { values: CellValue[]; samples: number }>();
  private roundCount = 0;
  /** Rounds per time bucket (key: the time columns' values), when there are time columns. */
  private readonly bucketRounds = new Map<string, number>();
  private readonly timeIdx: number[];

  constructor(readonly columns: readonly Column[]) {
    this.timeIdx = columns.flatMap((c, i) => (c.bucketUs !== undefined ? [i] : []));
  }

  /** `timestampUs`: when the round was taken (needed for time-bucket columns). */
  addRound(samples: readonly Sample[], timestampUs?: number): void {
    this.roundCount++;
    if (this.timeIdx.length > 0 && timestampUs !== undefined) {
      const at = { timestamp: timestampUs } as Sample;
      const key = JSON.stringify(this.timeIdx.map((i) => this.columns[i].get(at)));
      this.bucketRounds.set(key, (this.bucketRounds.get(key) ?? 0) + 1);
    }
    for (const s of samples) {
      const values = this.columns.map((c) => c.get(s));
      const key = JSON.stringify(values);
      const g = this.groups.get(key);
      if (g) g.samples++;
      else this.groups.set(key, { values, samples: 1 });
    }
  }

  get rounds(): number {
    return this.roundCount;
  }

  /** Rows sorted by time columns (ascending), then samples (descending), then values. */
  rows(limit = Infinity): GroupRow[] {
    const rounds = Math.max(1, this.roundCount);
    const timeKey = (values: CellValue[]) => JSON.stringify(this.timeIdx.map((i) => values[i]));
    const byTime = (a: CellValue[], b: CellValue[]) => {
      for (const i of this.timeIdx) {
        const c = String(a[i]).localeCompare(String(b[i]));
        if (c !== 0) return c;
      }
      return 0;
    };
    return [...this.groups.values()]
      .map((g) => ({
        values: g.values,
        samples: g.samples,
        avg_threads:
          g.samples / (this.timeIdx.length ? (this.bucketRounds.get(timeKey(g.values)) ?? rounds) : rounds),
      }))
      .sort(
        (a, b) =>
          byTime(a.values, b.values) ||
          b.samples - a.samples ||
          JSON.stringify(a.values).localeCompare(JSON.stringify(b.values)),
      )
      .slice(0, limit);
  }

  reset(): void {
    this.bucketRounds.clear();
    this.groups.clear();
    this.roundCount = 0;
  }
}
