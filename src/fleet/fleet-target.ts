// What a fleet command is pointed at, checked before anything is sent or read: an object
// store location `s3://BUCKET[/PREFIX]` with an endpoint URL (path-style addressing, as
// S3-compatible servers want), or a local directory holding the same layout (a mirror),
// and the host and service names written into every row. Pure: text in, checked values or
// a UsageError out.
import { UsageError } from "../errors.js";

export interface S3Target {
  kind: "s3";
  bucket: string;
  /** "" or a prefix without leading/trailing slash. */
  prefix: string;
  endpoint: URL;
  region: string;
}

export interface DirTarget {
  kind: "dir";
  dir: string;
}

export type FleetTarget = S3Target | DirTarget;

/** S3's bucket naming rules: 3-63 of a-z 0-9 . -, starting and ending with a letter or digit. */
const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Prefix segments: letters, digits and - _ . = only (no "..", no empty segment). */
const PREFIX_SEGMENT_RE = /^[A-Za-z0-9_=-][A-Za-z0-9_.=-]{0,127}$/;
/** Host and service names: a DNS-ish label set, ≤ 63 characters. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const REGION_RE = /^[a-z0-9-]{1,32}$/;

export function parseS3Url(text: string, endpoint: string | undefined, region = "us-east-1"): S3Target {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(text);
  if (!m) throw new UsageError(`'${text}': give s3://BUCKET[/PREFIX]`);
  const bucket = m[1];
  if (!BUCKET_RE.test(bucket) || bucket.includes(".."))
    throw new UsageError(`bad bucket name '${bucket}' (3-63 of a-z 0-9 . -)`);
  const prefix = (m[2] ?? "").replace(/\/+$/, "");
  if (prefix !== "")
    for (const seg of prefix.split("/"))
      if (!PREFIX_SEGMENT_RE.test(seg) || seg === "..")
        throw new UsageError(`bad prefix '${prefix}' (segments of letters, digits and - _ . =)`);
  if (endpoint === undefined)
    throw new UsageError("--endpoint URL is required with s3:// (e.g. http://127.0.0.1:9000)");
  if (!REGION_RE.test(region)) throw new UsageError(`bad region '${region}'`);
  return { kind: "s3", bucket, prefix, endpoint: parseEndpoint(endpoint), region };
}

/** http(s)://host[:port] only: no user, password, path, query or fragment. */
export function parseEndpoint(text: string): URL {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new UsageError(`--endpoint: not a URL: '${text}'`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    throw new UsageError(`--endpoint: http:// or https:// only, got '${u.protocol}'`);
  if (u.username || u.password)
    throw new UsageError("--endpoint: no credentials in the URL (use the AWS_* variables or --credentials)");
  if ((u.pathname !== "/" && u.pathname !== "") || u.search || u.hash)
    throw new UsageError(`--endpoint: give only scheme, host and port, got '${text}'`);
  if (!/^[A-Za-z0-9.[\]:-]+$/.test(u.host)) throw new UsageError(`--endpoint: bad host '${u.host}'`);
  return u;
}

export function checkName(what: "host" | "service", text: string): string {
  if (!NAME_RE.test(text))
    throw new UsageError(
      `bad ${what} name '${text}' (1-63 of letters, digits and . _ -, starting with a letter or digit)`,
    );
  return text;
}

export function parseTarget(text: string, endpoint: string | undefined, region?: string): FleetTarget {
  if (text.startsWith("s3://")) return parseS3Url(text, endpoint, region);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text))
    throw new UsageError(`'${text}': give s3://BUCKET[/PREFIX] or a directory`);
  if (endpoint !== undefined) throw new UsageError("--endpoint goes with an s3:// target");
  if (/[\0\n\r'\\]/.test(text))
    throw new UsageError("directory names with quotes, backslashes or control characters are refused");
  return { kind: "dir", dir: text };
}

/** `<table>/dt=YYYY-MM-DD/hour=HH/host=NAME/<segment>.parquet`, under the prefix. */
export function objectKey(
  prefix: string,
  table: string,
  hour: string,
  host: string,
  segment: string,
): string {
  const key = `${table}/dt=${hour.slice(0, 10)}/hour=${hour.slice(11, 13)}/host=${host}/${segment}.parquet`;
  return prefix ? `${prefix}/${key}` : key;
}
