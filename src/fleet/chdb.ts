// Loads chDB (embedded ClickHouse, ~560 MB with its library) only when a fleet query runs.
// It is not in the default install: `scripts/setup.sh --tests` puts it in build/chdb/
// (scripts/chdb/package.json pins the version), or $TSNAP_CHDB_DIR; a `chdb` package found
// the usual way is used first. Typed here by the little tsnap uses, so tsc needs no chdb to build.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { NotSupported } from "../errors.js";

export interface ChdbResult {
  readonly rowsRead: number;
  readonly bytesRead: number;
  text(): string;
}

export interface Chdb {
  queryBindAsync(sql: string, params: object, opts?: { format?: string }): Promise<ChdbResult>;
}

export const CHDB_HINT =
  "chDB is not installed (embedded ClickHouse, ~560 MB, not in the default install): run scripts/setup.sh --tests, or npm install --prefix build/chdb chdb@3.4.0";

let loaded: Chdb | null = null;

export async function loadChdb(): Promise<Chdb> {
  if (loaded) return loaded;
  const name = "chdb"; // a variable: tsc must not look for the package
  // $TSNAP_CHDB_DIR, when set, is the only other place (the tests use it to hide chDB).
  const places = [
    process.env.TSNAP_CHDB_DIR ?? fileURLToPath(new URL("../../../build/chdb/", import.meta.url)),
  ];
  try {
    loaded = (await import(name)) as Chdb;
    return loaded;
  } catch {}
  for (const dir of places) {
    try {
      loaded = createRequire(`${dir.replace(/\/?$/, "/")}package.json`)(name) as Chdb;
      return loaded;
    } catch {}
  }
  throw new NotSupported("fleet queries", CHDB_HINT);
}
