// tsnap ship: upload a capture directory's closed segments to S3-compatible object storage
// for fleet queries (tsnap fleet, ClickHouse). A command of its own rather than
// `capture --ship`: the capture stays a small process with no network and no credentials
// (it runs as root for the bpf source; ship needs neither), ship can run under another
// user or unit, be stopped or fail without touching the capture, and ship a directory
// captured earlier or elsewhere.
import { hostname } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { flagHelp, parseFlags, switchFlag, textFlag } from "../command/args.js";
import type { Command, Io } from "../command/command.js";
import { UsageError } from "../errors.js";
import { loadCredentials } from "../fleet/credentials.js";
import { checkName, parseS3Url } from "../fleet/fleet-target.js";
import { S3Client } from "../fleet/s3-client.js";
import { shipOnce } from "../fleet/ship.js";
import { parseDurationUs } from "../query/time-range.js";
import { parseSize } from "../store/retention.js";

const FLAGS = {
  to: textFlag({ long: "to", arg: "URL", help: "s3://BUCKET[/PREFIX] to upload to [required]" }),
  endpoint: textFlag({
    long: "endpoint",
    arg: "URL",
    help: "the store: http(s)://HOST[:PORT], path-style (default: $AWS_ENDPOINT_URL)",
  }),
  region: textFlag({
    long: "region",
    arg: "NAME",
    help: "signing region (default: $AWS_REGION or us-east-1)",
  }),
  host: textFlag({
    long: "host",
    arg: "NAME",
    help: "host name written in every row (default: this machine's)",
  }),
  service: textFlag({
    long: "service",
    arg: "NAME",
    help: "service name written in every row (default: default)",
  }),
  credentials: textFlag({
    long: "credentials",
    arg: "FILE",
    help: "AWS shared-credentials file (default: $AWS_ACCESS_KEY_ID/$AWS_SECRET_ACCESS_KEY, else ~/.aws/credentials)",
  }),
  spool: textFlag({
    long: "spool",
    arg: "DIR",
    help: "spool and ledger directory (default: DIR/.tsnap-ship)",
  }),
  once: switchFlag({ long: "once", help: "ship what is closed now and exit (default: keep watching)" }),
  interval: textFlag({
    long: "interval",
    arg: "AGE",
    help: "how often to look for closed segments (default: 60s)",
  }),
  segment: textFlag({
    long: "segment",
    arg: "AGE",
    help: "window of the open hour's segments, 1m to 30m dividing the hour, or 1h for whole hours only (default: 5m)",
  }),
  spoolMax: textFlag({
    long: "spool-max",
    arg: "SIZE",
    help: "cut no new window of the open hour while the spool holds SIZE (default: 256M)",
  }),
  giveUp: textFlag({
    long: "give-up",
    arg: "AGE",
    help: "stop retrying an unreachable store after AGE (default: 10m with --once, never without)",
  }),
};

const help = `tsnap ship DIR --to s3://BUCKET[/PREFIX] --endpoint URL [options]: upload a capture
directory's segments to S3-compatible object storage, for fleet queries (tsnap fleet,
ClickHouse: docs/fleet.md): while an hour is open, each complete 5-minute window
(--segment) as it ends; once the hour is closed (Parquet), the rest of it.

Objects: [PREFIX/]<table>/dt=YYYY-MM-DD/hour=HH/host=NAME/<segment id>.parquet, every row
with host and service columns. Segment ids end in a hash of their content. A segment is
cut into the spool and written in the ledger (SPOOL/shipped.log) before it is uploaded,
so after a crash it is uploaded again from the same bytes under the same name, never cut
twice; an upload counts once the store confirmed its bytes (Content-MD5, ETag). The spool
keeps the open hour's windows until the hour's last segment is confirmed (the rest of the
hour is its rows minus theirs); --spool-max bounds it. Capture files are never deleted by
ship. While the store is down, no new window is cut: the backlog is the capture directory
itself (bounded by capture's --retain/--max-size). Failed uploads are retried with
exponential back-off (0.5 s doubling to 60 s, jittered); bodies over 64 MiB go in parts.
Credentials come from the environment or a file, never from the command line.
Run it as the capture's user (the directory is its owner's only), or give --spool elsewhere.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \\
  tsnap ship /var/lib/tsnap --to s3://tsnap-fleet --endpoint https://s3.eu-west-1.amazonaws.com --region eu-west-1
  tsnap ship ./cap --to s3://fleet/prod --endpoint http://127.0.0.1:9000 --service api --once
  tsnap ship /var/lib/tsnap --to s3://fleet --endpoint http://127.0.0.1:9000 --segment 1m --interval 10s
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values: v, positionals } = parseFlags(argv, FLAGS, 1);
  const dir = positionals[0];
  if (!dir) throw new UsageError("give the capture directory: tsnap ship DIR --to s3://BUCKET");
  if (!v.to) throw new UsageError("--to s3://BUCKET[/PREFIX] is required");
  const target = parseS3Url(
    v.to,
    v.endpoint ?? process.env.AWS_ENDPOINT_URL,
    v.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
  );
  const host = checkName("host", v.host ?? hostname());
  const service = checkName("service", v.service ?? "default");
  const intervalMs = parseDurationUs(v.interval ?? "60s", "--interval") / 1000;
  const giveUpMs = v.giveUp
    ? parseDurationUs(v.giveUp, "--give-up") / 1000
    : v.once
      ? 600_000
      : Number.POSITIVE_INFINITY;
  const segmentUs = parseDurationUs(v.segment ?? "5m", "--segment");
  if (segmentUs !== 3600e6 && (segmentUs < 60e6 || segmentUs > 1800e6 || 3600e6 % segmentUs !== 0))
    throw new UsageError(
      `--segment ${v.segment}: 1m to 30m dividing the hour (1m, 2m, 3m, 4m, 5m, 6m, 10m, 12m, 15m, 20m, 30m), or 1h`,
    );
  const spoolMaxBytes = parseSize(v.spoolMax ?? "256M");
  if (spoolMaxBytes === null) throw new UsageError(`--spool-max ${v.spoolMax}: a size such as 256M or 2G`);
  const store = new S3Client(target, loadCredentials(v.credentials));
  process.umask(0o077); // the spool's copies are as private as the capture's files
  const notice = (line: string) => io.err(`${line}\n`);
  const opts = {
    dir,
    spoolDir: v.spool ?? join(dir, ".tsnap-ship"),
    host,
    service,
    prefix: target.prefix,
    store,
    notice,
    signal: io.signal,
    giveUpMs,
    segmentUs,
    spoolMaxBytes,
  };
  for (;;) {
    const s = await shipOnce(opts);
    if (s.objects > 0 || v.once)
      notice(
        `tsnap ship: ${s.segments} segments (${s.windows} windows of an open hour; ${s.objects} objects, ${s.bytes} bytes, ${s.rows} samples) to s3://${target.bucket}/${target.prefix}, ${s.retries} retries, ${s.alreadyShipped} already shipped`,
      );
    if (v.once || io.signal.aborted) return 0;
    await sleep(intervalMs, undefined, { signal: io.signal }).catch(() => {});
    if (io.signal.aborted) return 0;
  }
}

export const command: Command = {
  name: "ship",
  summary:
    "upload capture segments (windows of the open hour, then its rest) to S3-compatible storage (fleet)",
  help,
  run,
};
