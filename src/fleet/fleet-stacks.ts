// tsnap fleet --stacks: the stacks most of a fleet's threads were in over the window, as
// `tsnap query --stacks` ranks one host's. Each host's samples are grouped by their stack
// hash and resolved through that host's own dictionary (a bpf hash is of addresses, so it
// means nothing on another host); then the hosts' rows of one stack (the same frames) add
// up: samples, and avg_threads computed per host over the seconds its rounds cover (the sum
// of each host's `tsnap query --stacks` figure). A hash with no dictionary entry stays that
// host's own row (`HOST/HASH`, frames unresolved); samples without a stack are one row.

import {
  dictCte,
  dictJoin,
  type FleetFilter,
  type FleetTarget,
  filterParts,
  joinsOf,
  STACK,
  samplesFrom,
  sourceSql,
} from "./fleet-query.js";
import type { Credentials } from "./sigv4.js";

export interface FleetStackRow {
  /** The hash when the stack's hosts share one, `N hashes` when not, `HOST/HASH` unresolved, null for no stack. */
  hash: string | null;
  samples: number;
  avg_threads: number;
  /** Frames leaf first; null when unresolved (or no stack). */
  frames: string[] | null;
  /** Hosts behind the row. */
  hosts: number;
}

export function fleetStacksSql(
  kind: "kernel" | "user",
  q: { filters: FleetFilter[]; fromUs: number; toUs: number; limit: number },
  target: FleetTarget,
  creds?: Credentials,
): { sql: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = { from_us: q.fromUs, to_us: q.toUs, limit: q.limit };
  const f = filterParts(q.filters, params);
  const k: "k" | "u" = kind === "kernel" ? "k" : "u";
  const d = STACK[k];
  const stacks: ("k" | "u")[] = [...new Set([k, ...f.stacks])];
  const hashes = stacks.map((x) => STACK[x].hash);
  const samples = samplesFrom(target, params, joinsOf(q.filters.map((x) => x.column)), f.dictWhere, creds);
  const rounds = sourceSql(target, "rounds", params, creds);
  const sql = `WITH
cov AS (SELECT host, sum(weight_us) / 1e6 AS secs FROM ${rounds} WHERE ${f.hostWhere.join(" AND ")} GROUP BY host),
${stacks.map((x) => `${dictCte(x, target, params, f.dictWhere, creds)},\n`).join("")}g AS (SELECT ${["host", ...hashes, "count() AS n", "sum(weight_us) AS w"].join(", ")} FROM ${samples} WHERE ${f.where.join(" AND ")} GROUP BY ${["host", ...hashes].join(", ")}),
r AS (SELECT g.host AS host, g.${d.hash} AS hash, ${d.alias}.${d.syms} AS syms, g.n AS n, g.w / 1e6 / cov.secs AS a,
    multiIf(isNull(hash), '', isNull(syms), concat('?', host, '/', hash), concat('=', syms)) AS key
  FROM g INNER JOIN cov ON g.host = cov.host
  ${stacks.map(dictJoin).join("\n  ")}${f.outerWhere.length ? `\n  WHERE ${f.outerWhere.join(" AND ")}` : ""})
SELECT multiIf(isNull(any(hash)), NULL, isNull(any(syms)), concat(any(host), '/', any(hash)), uniqExact(hash) = 1, any(hash), concat(toString(uniqExact(hash)), ' hashes')) AS stack_hash,
  sum(n) AS samples, sum(a) AS avg_threads, any(syms) AS stack_syms, uniqExact(host) AS hosts
FROM r
GROUP BY key
ORDER BY avg_threads DESC, key
LIMIT {limit:UInt64}
SETTINGS join_use_nulls = 1`;
  return { sql, params };
}

export function stackRowOf(r: Record<string, unknown>): FleetStackRow {
  return {
    hash: r.stack_hash === null || r.stack_hash === undefined ? null : String(r.stack_hash),
    samples: Number(r.samples),
    avg_threads: Number(r.avg_threads),
    frames: r.stack_syms === null || r.stack_syms === undefined ? null : String(r.stack_syms).split(";"),
    hosts: Number(r.hosts),
  };
}
