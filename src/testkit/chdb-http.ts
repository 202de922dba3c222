// ClickHouse's HTTP interface in front of chDB, for tests of `tsnap query --engine`: no
// ClickHouse server this machine can install runs the fleet's DDL (Debian 12's is 18.16),
// and chDB (the real engine, ClickHouse 26.7) cannot listen itself, so this serves the
// little of the HTTP interface tsnap's client uses: POST /?param_<name>=… with the SQL as
// the body, JSONEachRow rows back, the engine's rows read in X-ClickHouse-Summary, and a
// refused query as HTTP 500 with ClickHouse's "Code: N. DB::Exception: …" text. The SQL,
// the parameters' binding and the settings are the engine's own; only the transport is ours.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Chdb, loadChdb } from "../fleet/chdb.js";

export class ChdbHttp {
  private server: Server | null = null;
  /** Every query served, in order (what the client sent). */
  readonly queries: { sql: string; params: Record<string, string>; readRows: number }[] = [];
  port = 0;

  static async start(): Promise<ChdbHttp> {
    const me = new ChdbHttp();
    const ch = await loadChdb();
    me.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => void me.serve(ch, req.url ?? "/", Buffer.concat(chunks).toString("utf8"), res));
    });
    await new Promise<void>((resolve) => me.server!.listen(0, "127.0.0.1", resolve));
    me.port = (me.server.address() as AddressInfo).port;
    return me;
  }

  private async serve(
    ch: Chdb,
    url: string,
    sql: string,
    res: import("node:http").ServerResponse,
  ): Promise<void> {
    const qs = new URL(url, "http://x").searchParams;
    const params: Record<string, string> = {};
    for (const [k, v] of qs) if (k.startsWith("param_")) params[k.slice(6)] = v;
    try {
      const r = await ch.queryBindAsync(sql, params, { format: qs.get("default_format") ?? "JSONEachRow" });
      this.queries.push({ sql, params, readRows: r.rowsRead });
      res.writeHead(200, {
        "content-type": "application/x-ndjson",
        "x-clickhouse-summary": JSON.stringify({ read_rows: String(r.rowsRead) }),
      });
      res.end(r.text());
    } catch (e) {
      const msg = String((e as Error).message ?? e);
      this.queries.push({ sql, params, readRows: -1 });
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(`${msg.slice(Math.max(0, msg.indexOf("Code: ")))}\n`);
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
