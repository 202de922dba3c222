// Thread-state stacks from captured history: every sampled thread in a window (on and off
// CPU), grouped by levels such as state → comm → user stack → syscall → kernel stack,
// each group a folded stack whose count is its avg_threads. The grouping, window, -w
// filter and avg_threads are the query layer's (runGroupQuery); this only turns rows into
// frames.
import { UsageError } from "../../errors.js";
import { column, type QueryColumn } from "../../query/columns.js";
import type { Duck, Row } from "../../query/duck.js";
import type { FilterSql } from "../../query/filter.js";
import { runGroupQuery } from "../../query/group-query.js";
import type { FoldedStack } from "./folded.js";
import { levelFrames, levelKind } from "./level-frames.js";

export const DEFAULT_LEVELS = ["state", "comm", "ustack", "syscall", "kstack"];

/** Stack levels expand to their frames; any other level is a query column. */
const STACK_LEVELS: Record<string, string> = { ustack: "ustack_syms", kstack: "kstack_syms" };

export interface Level {
  name: string;
  column: QueryColumn;
  stack: boolean;
}

export function parseLevels(names: string[]): Level[] {
  if (names.length === 0) throw new UsageError("--levels needs at least one level");
  const seen = new Set<string>();
  return names.map((raw) => {
    const name = raw.toLowerCase();
    if (seen.has(name)) throw new UsageError(`--levels: '${raw}' given twice`);
    seen.add(name);
    const stackCol = STACK_LEVELS[name];
    return { name, column: column(stackCol ?? name, "--levels"), stack: stackCol !== undefined };
  });
}

/** Frames of one row: stack levels root first (the files keep them leaf first). */
export function rowFrames(row: Row, levels: Level[], keepOffsets: boolean): string[] {
  const frames: string[] = [];
  for (const l of levels)
    frames.push(...levelFrames(row[l.column.name], l.stack ? "stack" : levelKind(l.name), { keepOffsets }));
  return frames;
}

export interface HistoryStacks {
  stacks: FoldedStack[];
  coveredSeconds: number;
}

/** Folded stacks of the window, counts in avg threads. */
export async function historyStacks(
  duck: Duck,
  q: { levels: Level[]; filter: FilterSql | null; fromUs: number; toUs: number; keepOffsets: boolean },
): Promise<HistoryStacks> {
  const res = await runGroupQuery(duck, {
    groups: q.levels.map((l) => l.column),
    filter: q.filter,
    fromUs: q.fromUs,
    toUs: q.toUs,
    latency: [],
    weighting: "event",
    limit: 0,
  });
  const stacks: FoldedStack[] = [];
  for (const r of res.rows) {
    const frames = rowFrames(r, q.levels, q.keepOffsets);
    if (frames.length === 0) frames.push("-");
    stacks.push({ frames, count: Number(r.avg_threads) });
  }
  return { stacks, coveredSeconds: res.coveredSeconds };
}
