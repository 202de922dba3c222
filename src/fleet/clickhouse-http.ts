// A ClickHouse server over its HTTP interface (port 8123): one POST per query, the SQL in
// the body, every user value a bound parameter (`param_<name>` in the URL, `{name:Type}` in
// the SQL), rows back as JSONEachRow, the rows the server read from its
// X-ClickHouse-Summary header. Credentials from $CLICKHOUSE_USER / $CLICKHOUSE_PASSWORD in
// headers, never in the URL or the command line. node:http only.
import { request } from "node:http";
import { InputError, UsageError } from "../errors.js";

export interface EngineUrl {
  host: string;
  port: number;
  db: string;
  /** As given, for messages. */
  text: string;
}

/** clickhouse://HOST[:PORT]/DB (HTTP interface; port 8123 unless given). No user, password or query in it. */
export function parseEngineUrl(text: string): EngineUrl {
  const m =
    /^clickhouse:\/\/(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/([A-Za-z_][A-Za-z0-9_]{0,62})$/.exec(
      text,
    );
  if (!m)
    throw new UsageError(
      `--engine: '${text}' is not clickhouse://HOST[:PORT]/DB (credentials go in $CLICKHOUSE_USER and $CLICKHOUSE_PASSWORD)`,
    );
  const port = m[2] === undefined ? 8123 : Number(m[2]);
  if (port < 1 || port > 65535) throw new UsageError(`--engine: bad port ${m[2]}`);
  return { host: m[1].replace(/^\[|\]$/g, ""), port, db: m[3], text };
}

export interface EngineRows {
  rows: Record<string, unknown>[];
  /** Rows the server read for the query (X-ClickHouse-Summary read_rows), -1 when not said. */
  readRows: number;
}

/** ClickHouse's error text, one line: "Code: 158. DB::Exception: Limit for rows ... (TOO_MANY_ROWS)". */
export function clickhouseError(body: string): { code: number; line: string } {
  const first = body.trim().split("\n")[0] ?? "";
  const code = Number(/Code: (\d+)/.exec(first)?.[1] ?? 0);
  const line = first
    .replace(/^Code: \d+\. DB::Exception: /, "")
    .replace(/\. Stack trace:.*$/, "")
    .slice(0, 300);
  return { code, line };
}

export class ClickHouseHttp {
  constructor(
    readonly url: EngineUrl,
    private readonly timeoutMs = 60_000,
  ) {}

  query(sql: string, params: Record<string, unknown>): Promise<EngineRows> {
    const qs = new URLSearchParams({ database: this.url.db, default_format: "JSONEachRow" });
    for (const [k, v] of Object.entries(params)) qs.set(`param_${k}`, String(v));
    const headers: Record<string, string> = { "content-type": "text/plain; charset=utf-8" };
    const user = process.env.CLICKHOUSE_USER;
    if (user) headers["x-clickhouse-user"] = user;
    if (process.env.CLICKHOUSE_PASSWORD) headers["x-clickhouse-key"] = process.env.CLICKHOUSE_PASSWORD;
    const where = `${this.url.host}:${this.url.port}`;
    return new Promise((resolve, reject) => {
      const req = request(
        { host: this.url.host, port: this.url.port, method: "POST", path: `/?${qs}`, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            const body = Buffer.concat(chunks).toString("utf8");
            if (res.statusCode !== 200 || /^Code: \d+\. DB::Exception/m.test(body.slice(-2000))) {
              const e = clickhouseError(body.slice(Math.max(0, body.lastIndexOf("Code: "))));
              reject(new EngineError(e.code, e.line || `HTTP ${res.statusCode} from ${where}`));
              return;
            }
            let readRows = -1;
            try {
              const s = JSON.parse(String(res.headers["x-clickhouse-summary"] ?? "{}"));
              if (s.read_rows !== undefined) readRows = Number(s.read_rows);
            } catch {}
            try {
              const rows = body
                .split("\n")
                .filter((l) => l.trim())
                .map((l) => JSON.parse(l) as Record<string, unknown>);
              resolve({ rows, readRows });
            } catch {
              reject(new InputError(`${this.url.text}: not JSONEachRow rows from ${where}`));
            }
          });
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no answer in ${this.timeoutMs / 1000} s`)));
      req.on("error", (err: NodeJS.ErrnoException) =>
        reject(new InputError(`${this.url.text}: cannot reach ${where}: ${err.code ?? err.message}`)),
      );
      req.end(sql);
    });
  }
}

/** A query the server refused: its code and one line. */
export class EngineError extends InputError {
  constructor(
    readonly code: number,
    line: string,
  ) {
    super(line);
  }
}
