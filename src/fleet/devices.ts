// The per-host devices table ship sends with each part's segments, so that a fleet query
// names a block device (devname) from the host's own /proc/partitions: device numbers
// differ between hosts. Its rows are what `tsnap query` resolves devname through: the
// capture directory's copy of /proc/partitions (written at each hour's start), else the
// live one. A dictionary, like kstacks: a part's first segment takes its rows, later ones
// only rows it did not ship yet (EXCEPT ALL, segment-cut.ts).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parsePartitions, readPartitions } from "../query/views.js";
import type { ColumnType } from "../store/schema.js";
import { sqlString } from "../store/sql-text.js";

export const DEVICES = "devices";

/** Columns of the devices table (then host and service, as every shipped table). */
export const DEVICE_COLUMNS: { name: string; type: ColumnType }[] = [
  { name: "dev_maj", type: "BIGINT" },
  { name: "dev_min", type: "BIGINT" },
  { name: "devname", type: "VARCHAR" },
];

export interface Device {
  major: number;
  minor: number;
  name: string;
}

/** The devices of a capture directory, as `tsnap query` reads them for devname. */
export function devicesOf(dir: string): Device[] {
  const copy = join(dir, "partitions");
  return parsePartitions(readPartitions(existsSync(copy) ? copy : null));
}

/** DuckDB rows of the devices (names quoted as literals: COPY takes no parameters). */
export function devicesSql(devices: Device[]): string {
  if (devices.length === 0)
    return "(SELECT NULL::BIGINT AS dev_maj, NULL::BIGINT AS dev_min, NULL::VARCHAR AS devname WHERE false)";
  const rows = devices.map(
    (d) => `(${Math.trunc(d.major)}::BIGINT, ${Math.trunc(d.minor)}::BIGINT, ${sqlString(d.name)})`,
  );
  return `(SELECT * FROM (VALUES ${rows.join(", ")}) AS d(dev_maj, dev_min, devname))`;
}
