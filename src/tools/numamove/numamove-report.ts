// What numamove prints, in libbpf-tools' layout (numamove.c): a line per second of TIME,
// NUMA_migrations and NUMA_migrations_ms; or an NDJSON object. Pure.
import { toJson } from "../../report/table.js";
import { hhmmss } from "../hist-tool.js";
import type { MigrationCounts } from "./numamove-load.js";

export const HEADER = `${"TIME".padEnd(10)} ${"NUMA_migrations".padStart(18)} ${"NUMA_migrations_ms".padStart(18)}\n`;

/** The counts between two reads. Pure. */
export function migrationDeltas(now: MigrationCounts, prev: MigrationCounts): MigrationCounts {
  return { count: now.count - prev.count, ns: now.ns - prev.ns, pages: now.pages - prev.pages };
}

export function renderText(d: MigrationCounts, at: Date): string {
  return `${hhmmss(at).padEnd(10)} ${String(d.count).padStart(18)} ${String(Math.floor(d.ns / 1e6)).padStart(18)}\n`;
}

export function renderJson(d: MigrationCounts, at: Date): string {
  return `${toJson({ time: at.toISOString(), migrations: d.count, migrations_ns: d.ns, pages: d.pages })}\n`;
}
