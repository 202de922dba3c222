// AWS Signature Version 4 for S3 requests (header form), pure: a request in, the headers to
// send out. Written here (about 60 lines of node:crypto) rather than taken from the AWS SDK
// (megabytes for one PUT) or aws4 (would do, but S3's unsigned-payload and Content-MD5
// rules are what matter and are as short to write as to configure). Checked against the
// example in AWS's S3 documentation (sigv4.test.ts) and by s3rver, which verifies it.
import { createHash, createHmac } from "node:crypto";

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignInput {
  method: string;
  /** Host header value (host[:port]). */
  host: string;
  /** Path, already URI-encoded per S3 rules (see encodePath). */
  path: string;
  /** Query parameters, unencoded. */
  query?: Record<string, string>;
  /** Extra headers to sign (lower-case names), e.g. content-md5, range. */
  headers?: Record<string, string>;
  /** Hex SHA-256 of the body. */
  payloadSha256: string;
  region: string;
  /** YYYYMMDD'T'HHMMSS'Z' */
  amzDate: string;
}

const sha256 = (s: string | Buffer) => createHash("sha256").update(s).digest("hex");
const hmac = (key: Buffer | string, s: string) => createHmac("sha256", key).update(s).digest();

/** RFC 3986 encoding as SigV4 wants it (unreserved characters kept). */
export function uriEncode(s: string, keepSlash = false): string {
  let out = "";
  for (const b of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === "/")) out += c;
    else out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** An object path `/bucket/key` encoded once (S3 does not double-encode). */
export function encodePath(bucket: string, key: string): string {
  return `/${uriEncode(bucket)}${key ? `/${uriEncode(key, true)}` : ""}`;
}

export function amzDateOf(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

export function canonicalQuery(q: Record<string, string> = {}): string {
  return Object.keys(q)
    .sort()
    .map((k) => `${uriEncode(k)}=${uriEncode(q[k])}`)
    .join("&");
}

/** The headers to send: the signed ones plus Authorization. */
export function signRequest(input: SignInput, creds: Credentials): Record<string, string> {
  const date = input.amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    ...(input.headers ?? {}),
    host: input.host,
    "x-amz-content-sha256": input.payloadSha256,
    "x-amz-date": input.amzDate,
  };
  if (creds.sessionToken) headers["x-amz-security-token"] = creds.sessionToken;
  const names = Object.keys(headers)
    .map((h) => h.toLowerCase())
    .sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const canonicalHeaders = names
    .map((n) => `${n}:${String(lower[n]).trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const signedHeaders = names.join(";");
  const canonical = [
    input.method,
    input.path,
    canonicalQuery(input.query),
    canonicalHeaders,
    signedHeaders,
    input.payloadSha256,
  ].join("\n");
  const scope = `${date}/${input.region}/s3/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", input.amzDate, scope, sha256(canonical)].join("\n");
  const kDate = hmac(`AWS4${creds.secretAccessKey}`, date);
  const kSigning = hmac(hmac(hmac(kDate, input.region), "s3"), "aws4_request");
  const signature = createHmac("sha256", kSigning).update(toSign).digest("hex");
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}

export { sha256 as sha256Hex };
