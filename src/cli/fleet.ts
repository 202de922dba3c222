// tsnap fleet: the grouped history query over a fleet's shipped segments (tsnap ship), in
// embedded ClickHouse (chDB) reading the object store directly, or a local mirror of it.
// Argv and printing only: the SQL is fleet/fleet-query.ts, chDB's loading fleet/chdb.ts.
import {
  flagHelp,
  optionalDecimalFlag,
  optionalOneOfFlag,
  parseFlags,
  textFlag,
  textsFlag,
} from "../command/args.js";
import type { Command, Io } from "../command/command.js";
import { formatFlag, fromFlag, groupFlag, histFlag, toFlag } from "../command/flags.js";
import { InputError, UsageError } from "../errors.js";
import { loadChdb } from "../fleet/chdb.js";
import { loadCredentials } from "../fleet/credentials.js";
import { addFleetLatency, fleetHistSql } from "../fleet/fleet-hist.js";
import {
  coverageSql,
  endSql,
  FLEET_COLUMNS,
  fleetColumn,
  fleetSql,
  parseFleetWhere,
} from "../fleet/fleet-query.js";
import { fleetStacksSql, stackRowOf } from "../fleet/fleet-stacks.js";
import { parseTarget } from "../fleet/fleet-target.js";
import { type BucketCounts, type LatKind, statColumns } from "../model/latency-buckets.js";
import { HIST_KEY } from "../query/hist-latency.js";
import { renderQueryResult } from "../query/render.js";
import { parseTimeUs } from "../query/time-range.js";
import { renderLatencyHists } from "../report/latency-hists-text.js";
import { formatRows, rowsetOf } from "../report/output.js";
import { toJson } from "../report/table.js";
import { formatTimestampUs } from "../store/files.js";

const FLAGS = {
  endpoint: textFlag({
    long: "endpoint",
    arg: "URL",
    help: "the store for s3:// targets: http(s)://HOST[:PORT] (default: $AWS_ENDPOINT_URL)",
  }),
  region: textFlag({
    long: "region",
    arg: "NAME",
    help: "the store's region (default: $AWS_REGION or us-east-1)",
  }),
  credentials: textFlag({
    long: "credentials",
    arg: "FILE",
    help: "AWS shared-credentials file (default: the AWS_* variables, else ~/.aws/credentials)",
  }),
  from: fromFlag,
  to: toFlag,
  group: groupFlag("group by these columns (default: state,syscall); host and service too"),
  where: textsFlag({
    long: "where",
    short: "w",
    arg: "FILTER",
    help: "col=value or col!=value, one per -w, ANDed; values are bound parameters",
  }),
  limit: optionalDecimalFlag({
    long: "limit",
    arg: "N",
    min: 0,
    integer: true,
    help: "rows to show (0 = all) (default: 30 for table, all else)",
  }),
  hist: histFlag("every completion of the fleet's hosts summed (devices as MAJ:MIN, processes as HOST/PID)"),
  stacks: optionalOneOfFlag({
    long: "stacks",
    arg: "KIND",
    choices: ["kernel", "user"] as const,
    help: "top kernel or user stacks instead of groups, each host's resolved through its own dictionary (narrow with -w; not with -g, --hist)",
  }),
  format: formatFlag,
};

const help = `tsnap fleet TARGET [options]: what the threads of a fleet were doing, grouped by any
columns, over the segments \`tsnap ship\` uploaded (TARGET s3://BUCKET[/PREFIX] with
--endpoint) or a local copy of that layout (TARGET a directory), in embedded ClickHouse
(chDB: ~560 MB, not in the default install; scripts/setup.sh --tests installs it).

avg_threads is computed per host (its samples' weight over the seconds its rounds cover in
the window) and summed over hosts: the fleet figure is the sum of each host's \`tsnap
query\` answer, and a host that sent nothing for the window is reported, not averaged in.
Columns: host, service, the stored samples columns (docs/schema.md) and comm2, exe_name,
filenamesum, kstack_syms, ustack_syms, kstack_current_func, ustack_current_func (each
host's stacks resolved through its own dictionary), devname (the block device of the I/O
a sample saw, named by that host's own devices), io_bytes, iorq_flags, sysc_ret_val. --stacks KIND: the top stacks, as \`tsnap
query --stacks\` ranks one host's, the same frames summed over hosts. --hist KIND: latency
histograms of every completion (lathist), each key's buckets summed over the hosts (the
sum of each host's \`tsnap query --hist\`); grouped by syscall (host,tgid), the rows get
sc_* (rq_*) latency columns from them, as \`tsnap query\` rows do. Schema for a ClickHouse server: docs/fleet.md.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  tsnap fleet s3://tsnap-fleet --endpoint http://127.0.0.1:9000 --from 14:00 --to 14:05
  tsnap fleet s3://tsnap-fleet --endpoint http://127.0.0.1:9000 -g host,state -w service=api
  tsnap fleet ./mirror -g state,syscall -w state=DISK --format json
  tsnap fleet ./mirror -g kstack_syms -w state=DISK --limit 5
  tsnap fleet ./mirror --stacks kernel -w state=DISK --limit 5
  tsnap fleet ./mirror -g host,devname -w state=DISK
  tsnap fleet ./mirror --hist sc -w service=db --from 14:00 --to 14:05
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values: v, positionals } = parseFlags(argv, FLAGS, 1);
  if (!positionals[0]) throw new UsageError("give the fleet's store (s3://BUCKET[/PREFIX]) or a directory");
  const target = parseTarget(
    positionals[0],
    v.endpoint ?? (positionals[0].startsWith("s3://") ? process.env.AWS_ENDPOINT_URL : undefined),
    v.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
  );
  if (v.stacks !== undefined) {
    const clash = v.group !== undefined ? "-g" : v.hist !== undefined ? "--hist" : null;
    if (clash)
      throw new UsageError(
        `--stacks cannot be combined with ${clash}: it ranks whole stacks over the window (narrow it with -w)`,
      );
  }
  const groups = [...new Set(v.group ?? ["state", "syscall"])].map((n) => fleetColumn(n, "-g"));
  const filters = v.where.map(parseFleetWhere);
  const creds = target.kind === "s3" ? loadCredentials(v.credentials) : undefined;
  const format = v.format;
  const limit = v.limit ?? (format === "table" ? 30 : 0);
  const ch = await loadChdb();
  const rows = async (q: { sql: string; params: Record<string, unknown> }) => {
    try {
      const r = await ch.queryBindAsync(q.sql, q.params, { format: "JSONEachRow" });
      return r
        .text()
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    } catch (e) {
      const msg = String((e as Error).message ?? e)
        .split("\n")[0]
        .slice(0, 300);
      if (
        /CANNOT_EXTRACT_TABLE_STRUCTURE|FILE_DOESNT_EXIST|Cannot extract table structure|No files/i.test(msg)
      )
        throw new InputError(`${positionals[0]}: no shipped segments there`);
      throw new InputError(`fleet query: ${msg}`);
    }
  };
  const end = (await rows(endSql(target, creds)))[0];
  if (!end || end.t === null || Number(end.hosts ?? 0) === 0)
    throw new InputError(`${positionals[0]}: no shipped rounds there`);
  const endUs = Number(end.t) + 1;
  const nowUs = Date.now() * 1000;
  const toUs = v.to !== undefined ? parseTimeUs(v.to, nowUs, endUs, "--to") : endUs;
  const fromUs = v.from !== undefined ? parseTimeUs(v.from, nowUs, endUs, "--from") : toUs - 3600e6;
  if (fromUs >= toUs) throw new UsageError("--from must be before --to");
  const hosts = await rows(coverageSql({ fromUs, toUs }, target, creds));
  const window = { from: formatTimestampUs(fromUs), to: formatTimestampUs(toUs) };
  const reporting = hosts.map((h) => ({ host: String(h.host), covered_seconds: Number(h.covered_seconds) }));
  const header = `=== Fleet: ${reporting.length} of ${Number(end.hosts)} hosts reporting === ${window.from} → ${window.to} UTC\n${reporting.map((h) => `${h.host} ${Math.round(h.covered_seconds)} s`).join(", ")}\n`;
  if (v.hist) {
    const kind = v.hist;
    let hr: Record<string, unknown>[] = [];
    try {
      hr = await rows(fleetHistSql(kind, { fromUs, toUs, filters }, target, creds));
    } catch (e) {
      if (!/no shipped segments/.test((e as Error).message)) throw e; // no lathist objects: no histograms
    }
    const byKey = new Map<string, { key: string; comm: string | null; counts: BucketCounts; n: number }>();
    for (const r of hr) {
      const key = String(r.k);
      const h = byKey.get(key) ?? { key, comm: null, counts: new Map(), n: 0 };
      h.counts.set(Number(r.b), (h.counts.get(Number(r.b)) ?? 0) + Number(r.n));
      h.n += Number(r.n);
      if (r.comm !== null && r.comm !== undefined && r.comm !== "") h.comm = String(r.comm);
      byKey.set(key, h);
    }
    const hists = [...byKey.values()].sort((a, b) => b.n - a.n || (a.key < b.key ? -1 : 1));
    if (format === "json" || format === "ndjson") {
      const histograms = hists.map((x) => ({
        key: x.key,
        comm: x.comm,
        n: x.n,
        ...statColumns(kind, x.counts),
        buckets: Object.fromEntries(x.counts),
      }));
      io.out(
        format === "json"
          ? `${toJson({ window, kind, unit: "usecs", latency: "all completions", hosts: reporting, histograms }, 2)}\n`
          : histograms.map((h) => `${JSON.stringify(h)}\n`).join(""),
      );
    } else {
      io.out(
        `${header}${HIST_KEY[kind].what}, every completion of the fleet's hosts\n${renderLatencyHists(hists.map((x) => ({ label: HIST_KEY[kind].label, ...x })))}${hists.length === 0 ? "no completions in this window\n" : ""}`,
      );
    }
    return 0;
  }
  if (v.stacks) {
    // As tsnap query --stacks: 20 unless --limit says otherwise.
    const sq = fleetStacksSql(v.stacks, { filters, fromUs, toUs, limit: limit || 20 }, target, creds);
    const stacks = (await rows(sq)).map(stackRowOf);
    if (format === "json") io.out(`${toJson({ window, hosts: reporting, stacks }, 2)}\n`);
    else {
      const covered = reporting.reduce((n, h) => n + h.covered_seconds, 0);
      const text = renderQueryResult(
        { kind: "stacks", window: { ...window, covered_seconds: covered }, rows: stacks },
        format,
      );
      io.out(format === "table" ? `${header}\n${text}` : text);
    }
    return 0;
  }
  const result = await rows(fleetSql({ groups, filters, fromUs, toUs, limit }, target, creds));
  const out: Record<string, unknown>[] = result.map((r) => ({
    ...r,
    samples: Number(r.samples),
    avg_threads: Number(r.avg_threads),
    hosts: Number(r.hosts),
  }));
  // Latency of every completion beside the rows, as tsnap query adds it: sc_* per syscall,
  // rq_* per host and process (fleet-hist.ts).
  const names = groups.map((g) => g.name);
  const kinds: LatKind[] = [
    ...(names.includes("syscall") || names.includes("syscall_active") ? (["sc"] as const) : []),
    ...(names.includes("host") && names.includes("tgid") ? (["rq"] as const) : []),
  ];
  let latNote = "";
  try {
    latNote = await addFleetLatency(out, kinds, names, rows, { fromUs, toUs, filters }, target, creds);
  } catch (e) {
    if (!/no shipped segments/.test((e as Error).message)) throw e; // no lathist objects: empty columns
    for (const r of out) for (const k of kinds) Object.assign(r, statColumns(k, undefined));
  }
  const columns = [
    ...names,
    "samples",
    "avg_threads",
    "hosts",
    ...kinds.flatMap((k) => Object.keys(statColumns(k, undefined))),
  ];
  if (format === "json")
    io.out(`${toJson({ window, group_by: groups.map((g) => g.name), hosts: reporting, rows: out }, 2)}\n`);
  else if (format === "table") {
    const lat = kinds.length
      ? `latency in µs over EVERY completion in the window (in-kernel histograms, summed over hosts${latNote}): ${kinds.map((k) => `${k}_* per ${HIST_KEY[k].column}`).join(", ")}, not split by other group columns\n`
      : "";
    io.out(
      `${header}${lat}\n` +
        formatRows("table", rowsetOf(columns, out, ["avg_threads"]), { maxCellWidth: 80, width: io.columns }),
    );
  } else io.out(formatRows(format, rowsetOf(columns, out)));
  return 0;
}

/** For --help of other commands and docs: the columns a fleet query knows. */
export const fleetColumnNames = () => FLEET_COLUMNS.map((c) => c.name);

export const command: Command = {
  name: "fleet",
  summary: "query a fleet's shipped history in embedded ClickHouse (chDB)",
  help,
  run,
};
