// Names of partition files: `<producer>_<table>_<YYYY-MM-DD.HH>[_<part>].<csv|parquet>`,
// the pattern of 0x.tools xcapture v3 (producer "xcapture") that tsnap also uses
// ("tsnap"). A capture restarted within an hour writes a new part (_1, _2, ...), each
// self-contained like an hour. Pure functions: no I/O here.
import type { TableName } from "./schema.js";

export type Producer = "tsnap" | "xcapture";
export type FileFormat = "csv" | "parquet";

export interface PartitionFile {
  name: string;
  producer: Producer;
  table: TableName;
  /** "YYYY-MM-DD.HH" */
  hour: string;
  /** 0 for the first file of an hour, then 1, 2, ... after restarts. */
  part: number;
  format: FileFormat;
}

const NAME_RE =
  /^(tsnap|xcapture)_(samples|syscend|iorqend|kstacks|ustacks|cgroups|rounds|lathist)_(\d{4}-\d{2}-\d{2}\.\d{2})(?:_(\d+))?\.(csv|parquet)$/;

export function parsePartitionName(name: string): PartitionFile | null {
  const m = NAME_RE.exec(name);
  if (!m) return null;
  if (m[1] === "xcapture" && (m[2] === "rounds" || m[2] === "lathist")) return null;
  const part = m[4] ? Number(m[4]) : 0;
  return {
    name,
    producer: m[1] as Producer,
    table: m[2] as TableName,
    hour: m[3],
    part,
    format: m[5] as FileFormat,
  };
}

export function partitionName(
  producer: Producer,
  table: TableName,
  hour: string,
  part: number,
  format: FileFormat,
): string {
  return `${producer}_${table}_${hour}${part > 0 ? `_${part}` : ""}.${format}`;
}

/** The UTC hour key of a time in µs since the epoch: "YYYY-MM-DD.HH". */
export function hourKey(us: number): string {
  const iso = new Date(Math.floor(us / 1000)).toISOString();
  return `${iso.slice(0, 10)}.${iso.slice(11, 13)}`;
}

/** Start of an hour key, µs since the epoch (UTC). */
export function hourStartUs(hour: string): number {
  return Date.parse(`${hour.slice(0, 10)}T${hour.slice(11, 13)}:00:00Z`) * 1000;
}

/** µs since the epoch → "YYYY-MM-DD HH:MM:SS.ffffff" (UTC), the CSV timestamp form. */
export function formatTimestampUs(us: number): string {
  const ms = Math.floor(us / 1000);
  const frac = Math.round(us - ms * 1000);
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${String(frac).padStart(3, "0")}`;
}
