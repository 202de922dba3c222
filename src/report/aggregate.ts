// Counts samples per group of column values over a window of rounds. avg_threads is
// samples / rounds: how many threads were in that group on average at any instant.
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

  constructor(readonly columns: readonly Column[]) {}

  addRound(samples: readonly Sample[]): void {
    this.roundCount++;
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

  /** Rows sorted by samples (descending), then by values for a stable order. */
  rows(limit = Infinity): GroupRow[] {
    const rounds = Math.max(1, this.roundCount);
    return [...this.groups.values()]
      .map((g) => ({ values: g.values, samples: g.samples, avg_threads: g.samples / rounds }))
      .sort(
        (a, b) => b.samples - a.samples || JSON.stringify(a.values).localeCompare(JSON.stringify(b.values)),
      )
      .slice(0, limit);
  }

  reset(): void {
    this.groups.clear();
    this.roundCount = 0;
  }
}
