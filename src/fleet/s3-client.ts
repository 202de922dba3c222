// The few S3 calls tsnap makes (PUT, HEAD, ListObjectsV2) over node:http(s), signed with
// sigv4.ts, path-style. A failure is either worth retrying (no connection, time-out, 5xx,
// 408, 429: `RetryableS3Error`) or not (a 4xx such as a bad signature or a missing bucket:
// an InputError naming S3's error code). Nothing secret is ever put in a message.
import { createHash } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { InputError, TsnapError } from "../errors.js";
import type { S3Target } from "./fleet-target.js";
import { amzDateOf, type Credentials, encodePath, sha256Hex, signRequest } from "./sigv4.js";

export class RetryableS3Error extends TsnapError {
  override name = "RetryableS3Error";
}

export interface S3Object {
  key: string;
  size: number;
  etag: string;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export class S3Client {
  constructor(
    readonly target: S3Target,
    private readonly creds: Credentials,
    private readonly timeoutMs = 30_000,
    /** Bodies larger than this go up in parts of this size (S3: 5 MiB to 5 GiB). */
    readonly partBytes = 64 * 2 ** 20,
  ) {}

  private request(
    method: string,
    key: string,
    opts: { query?: Record<string, string>; body?: Buffer; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    const body = opts.body ?? Buffer.alloc(0);
    const u = this.target.endpoint;
    const path = encodePath(this.target.bucket, key);
    const headers = signRequest(
      {
        method,
        host: u.host,
        path,
        query: opts.query,
        headers: opts.headers,
        payloadSha256: sha256Hex(body),
        region: this.target.region,
        amzDate: amzDateOf(Date.now()),
      },
      this.creds,
    );
    const qs = opts.query ? `?${new URLSearchParams(opts.query).toString().replace(/\+/g, "%20")}` : "";
    const mod = u.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(
        {
          protocol: u.protocol,
          hostname: u.hostname.replace(/^\[|\]$/g, ""),
          port: u.port || undefined,
          method,
          path: path + qs,
          headers: { ...headers, "content-length": String(body.length) },
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on("error", (e) => reject(new RetryableS3Error(`${method} ${key}: ${e.message}`)));
        },
      );
      req.on("timeout", () => req.destroy(new Error(`no answer in ${this.timeoutMs} ms`)));
      req.on("error", (e: NodeJS.ErrnoException) =>
        reject(new RetryableS3Error(`${u.host}: ${e.code ?? e.message}`, { cause: e })),
      );
      req.end(body);
    });
  }

  private check(method: string, key: string, r: Reply): void {
    if (r.status >= 200 && r.status < 300) return;
    const code = /<Code>([^<]{1,100})<\/Code>/.exec(r.body.toString("utf8"))?.[1] ?? `HTTP ${r.status}`;
    const what = `${method} s3://${this.target.bucket}/${key}: ${code}`;
    if (r.status >= 500 || r.status === 408 || r.status === 429) throw new RetryableS3Error(what);
    throw new InputError(what);
  }

  /** Upload; resolves only once the store confirmed the exact bytes (Content-MD5 and ETag). */
  async put(key: string, body: Buffer): Promise<string> {
    if (body.length > this.partBytes) return await this.putMultipart(key, body);
    const md5 = createHash("md5").update(body).digest();
    const r = await this.request("PUT", key, {
      body,
      headers: { "content-md5": md5.toString("base64"), "content-type": "application/octet-stream" },
    });
    this.check("PUT", key, r);
    const etag = String(r.headers.etag ?? "").replace(/"/g, "");
    if (etag !== md5.toString("hex"))
      throw new RetryableS3Error(`PUT ${key}: the store's ETag ${etag || "(none)"} is not the file's MD5`);
    return etag;
  }

  /**
   * A large body in parts: each part sent with Content-MD5 and its ETag checked, then the
   * completion's ETag checked against the parts (S3's MD5 of the parts' MD5s, "-N") or the
   * whole body's MD5 (what s3rver answers). Any failure aborts the upload (best effort) and
   * is thrown, so a retry starts a fresh one; a bucket lifecycle rule
   * (AbortIncompleteMultipartUpload) removes parts a crash left behind.
   */
  private async putMultipart(key: string, body: Buffer): Promise<string> {
    const init = await this.request("POST", key, { query: { uploads: "" } });
    this.check("POST", key, init);
    const uploadId = /<UploadId>([^<]{1,1024})<\/UploadId>/.exec(init.body.toString("utf8"))?.[1];
    if (!uploadId) throw new RetryableS3Error(`POST ${key}?uploads: no UploadId in the answer`);
    try {
      const md5s: Buffer[] = [];
      for (let off = 0, n = 1; off < body.length; off += this.partBytes, n++) {
        const part = body.subarray(off, off + this.partBytes);
        const md5 = createHash("md5").update(part).digest();
        const r = await this.request("PUT", key, {
          query: { partNumber: String(n), uploadId },
          body: part,
          headers: { "content-md5": md5.toString("base64") },
        });
        this.check("PUT", `${key} part ${n}`, r);
        const etag = String(r.headers.etag ?? "").replace(/"/g, "");
        if (etag !== md5.toString("hex"))
          throw new RetryableS3Error(
            `PUT ${key} part ${n}: the store's ETag ${etag || "(none)"} is not its MD5`,
          );
        md5s.push(md5);
      }
      const xml = `<CompleteMultipartUpload>${md5s.map((m, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>"${m.toString("hex")}"</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
      const done = await this.request("POST", key, {
        query: { uploadId },
        body: Buffer.from(xml),
        headers: { "content-type": "application/xml" },
      });
      this.check("POST", key, done);
      // S3 may answer 200 with an error in the body.
      const text = done.body.toString("utf8");
      if (/<Error>/.test(text)) this.check("POST", key, { ...done, status: 500 });
      const etag = unescapeXml(/<ETag>([^<]*)<\/ETag>/.exec(text)?.[1] ?? "").replace(/"/g, "");
      const ofParts = `${createHash("md5").update(Buffer.concat(md5s)).digest("hex")}-${md5s.length}`;
      const whole = createHash("md5").update(body).digest("hex");
      if (etag !== ofParts && etag !== whole)
        throw new RetryableS3Error(`POST ${key}: the store's ETag ${etag || "(none)"} is not the parts' MD5`);
      return etag;
    } catch (e) {
      await this.request("DELETE", key, { query: { uploadId } }).catch(() => {});
      throw e;
    }
  }

  /** The object's size and ETag, or null when there is none. */
  async head(key: string): Promise<S3Object | null> {
    const r = await this.request("HEAD", key);
    if (r.status === 404) return null;
    this.check("HEAD", key, r);
    return {
      key,
      size: Number(r.headers["content-length"] ?? 0),
      etag: String(r.headers.etag ?? "").replace(/"/g, ""),
    };
  }

  /** Every object under a prefix (ListObjectsV2, all pages). */
  async list(prefix: string): Promise<S3Object[]> {
    const out: S3Object[] = [];
    let token: string | undefined;
    do {
      const query: Record<string, string> = { "list-type": "2", prefix };
      if (token) query["continuation-token"] = token;
      const r = await this.request("GET", "", { query });
      this.check("LIST", prefix, r);
      const xml = r.body.toString("utf8");
      for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        const tag = (t: string) => new RegExp(`<${t}>([^<]*)</${t}>`).exec(m[1])?.[1] ?? "";
        out.push({
          key: unescapeXml(tag("Key")),
          size: Number(tag("Size")),
          etag: unescapeXml(tag("ETag")).replace(/"/g, ""),
        });
      }
      token = /<IsTruncated>true<\/IsTruncated>/.test(xml)
        ? unescapeXml(/<NextContinuationToken>([^<]*)</.exec(xml)?.[1] ?? "")
        : undefined;
    } while (token);
    return out;
  }

  /** The object's bytes (tests and mirrors). */
  async get(key: string): Promise<Buffer> {
    const r = await this.request("GET", key);
    this.check("GET", key, r);
    return r.body;
  }
}

function unescapeXml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}
