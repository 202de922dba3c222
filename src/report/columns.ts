// The columns `tsnap top` can group by: the live ones of the one column list
// (model/sample-columns.ts, shared with `tsnap query` and the file schema) and the
// computed ones (model/derived-columns.ts), each with its description, what the source must
// read for it, and its value from a Sample. --list prints them.
import { UsageError } from "../errors.js";
import { DERIVED_COLUMNS, stackDisplay, timeBucketUs } from "../model/derived-columns.js";
import type { Sample } from "../model/sample.js";
import { type CellValue, SAMPLE_COLUMNS } from "../model/sample-columns.js";
import type { Need } from "../model/sampler.js";

export type { CellValue };
export { stackDisplay };

export interface Column {
  name: string;
  description: string;
  needs: readonly Need[];
  /** Only the bpf source fills it. */
  bpfOnly?: boolean;
  /** A time bucket (time_5s ...): its width in µs; rows sort by it, avg_threads is per bucket. */
  bucketUs?: number;
  get(s: Sample): CellValue;
}

export const COLUMNS: readonly Column[] = [
  ...SAMPLE_COLUMNS.flatMap((c) =>
    c.live
      ? [
          {
            name: c.name,
            description: c.doc,
            needs: c.needs ?? [],
            ...(c.bpfOnly ? { bpfOnly: true } : {}),
            get: c.live,
          },
        ]
      : [],
  ),
  ...DERIVED_COLUMNS.map((d) => ({
    name: d.name,
    description: d.description,
    needs: d.needs,
    ...(d.bpfOnly ? { bpfOnly: true } : {}),
    get: d.live,
  })),
];

const BY_NAME = new Map(COLUMNS.map((c) => [c.name, c]));

/** time_<N>s|m|h: the sample's time rounded down to N seconds/minutes/hours (UTC). */
export function timeBucketColumn(name: string): Column | null {
  const us = timeBucketUs(name);
  if (us === null) return null;
  return {
    name,
    description: "time bucket",
    needs: [],
    bucketUs: us,
    get: (s) => bucketLabel(Math.floor(s.timestamp / us) * us),
  };
}

/** "2026-12-01 18:30:05" (UTC): sorts as text in time order. */
export function bucketLabel(us: number): string {
  return new Date(us / 1000).toISOString().slice(0, 19).replace("T", " ");
}

/** Looks up group columns by name; an unknown name is a UsageError that lists close ones. */
export function resolveColumns(names: readonly string[]): Column[] {
  return names.map((name) => {
    const col = BY_NAME.get(name.toLowerCase()) ?? timeBucketColumn(name.toLowerCase());
    if (!col) {
      const near = COLUMNS.filter((c) => c.name.includes(name) || name.includes(c.name)).map((c) => c.name);
      const hint = near.length ? `; did you mean ${near.join(", ")}?` : "";
      throw new UsageError(`unknown column '${name}'${hint} (tsnap top --list shows them all)`);
    }
    return col;
  });
}

/** What a source must read to fill these columns. */
export function needsOf(columns: readonly Column[]): Set<Need> {
  const needs = new Set<Need>();
  for (const c of columns) for (const n of c.needs) needs.add(n);
  return needs;
}
