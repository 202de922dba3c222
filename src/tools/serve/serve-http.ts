// The HTTP server of `tsnap serve` (node:http): GET only, the page's fixed files and the
// JSON API under /api/. Every refusal is one `tsnap: ...` line with its status (400 bad
// parameter or path, 401 no token, 403 foreign Host, 404, 405, 414, 503 busy), never a
// stack. Headers: a Content-Security-Policy with no inline script or style for the page;
// the flame graph SVG (the same document `tsnap flame` writes, with its own inline
// script) is served sandboxed, framed only by the page, with no network access.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  formatError,
  InputError,
  NotSupported,
  PermissionError,
  TsnapError,
  UsageError,
} from "../../errors.js";
import { COOKIE, isLoopback, loopbackHostAllowed, requestToken, sameToken } from "./serve-auth.js";
import { BusyError, type WebData } from "./serve-data.js";
import {
  flameParams,
  heatParams,
  histParams,
  infoParams,
  lanesParams,
  profileParams,
  stacksParams,
  valuesParams,
  viewParams,
} from "./serve-params.js";
import { ProfileBusyError, profileSvg } from "./serve-profile.js";
import { type Asset, checkPath, loadAssets } from "./serve-static.js";

export interface ServerOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  /** Required from every request when set (non-loopback addresses). */
  token: string | null;
  data: WebData;
  /** A line for the server's own log (stderr): unexpected failures. */
  log(line: string): void;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_URL = 8192;
const MAX_BODY = 32 * 1024 * 1024;

const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/** The flame SVG: its inline script runs in a sandbox (opaque origin), reaches nothing. */
const SVG_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; sandbox allow-scripts; frame-ancestors 'self'";

const BASE_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Resource-Policy": "same-origin",
};

class HttpError extends TsnapError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Api = (q: URLSearchParams, data: WebData) => Promise<{ type: string; body: string }>;

const json = (v: unknown) => ({ type: "application/json; charset=utf-8", body: JSON.stringify(v) });

const API: Record<string, Api> = {
  "/api/info": async (q, d) => {
    infoParams(q);
    return json(await d.info());
  },
  "/api/view": async (q, d) => json(await d.view(viewParams(q))),
  "/api/hist": async (q, d) => json(await d.hist(histParams(q))),
  "/api/heatmap": async (q, d) => json(await d.heatmap(heatParams(q))),
  "/api/values": async (q, d) => json(await d.values(valuesParams(q))),
  "/api/stacks": async (q, d) => json(await d.stacks(stacksParams(q))),
  "/api/lanes": async (q, d) => json(await d.lanes(lanesParams(q))),
  "/api/profile.svg": async (q, d) => {
    const p = profileParams(q);
    if (!d.source.live)
      throw new HttpError(404, "on-CPU/off-CPU profiles of a process: tsnap serve --live only");
    const signal = AbortSignal.timeout((p.seconds + 30) * 1000);
    return { type: "image/svg+xml; charset=utf-8", body: await profileSvg(p, signal) };
  },
  "/api/flame.svg": async (q, d) => ({
    type: "image/svg+xml; charset=utf-8",
    body: await d.flame(flameParams(q)),
  }),
};

function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (err instanceof BusyError || err instanceof ProfileBusyError) return 503;
  if (err instanceof PermissionError) return 403;
  if (err instanceof NotSupported) return 501;
  if (err instanceof UsageError || err instanceof InputError) return 400;
  return 500;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra = {}): void {
  const buf = typeof body === "string" ? Buffer.from(body) : body;
  res.writeHead(status, { ...BASE_HEADERS, "Content-Type": type, "Content-Length": buf.length, ...extra });
  res.end(res.req.method === "HEAD" ? undefined : buf);
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  o: ServerOptions,
  port: number,
  assets: Map<string, Asset>,
) {
  const raw = req.url ?? "/";
  if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, "only GET is served");
  if (raw.length > MAX_URL) throw new HttpError(414, `request line longer than ${MAX_URL} characters`);
  if (o.token === null && !loopbackHostAllowed(req.headers.host, o.host, port))
    throw new HttpError(403, "Host not allowed: use the URL tsnap serve printed");
  const q = raw.indexOf("?");
  const path = q < 0 ? raw : raw.slice(0, q);
  checkPath(path);
  const params = new URLSearchParams(q < 0 ? "" : raw.slice(q + 1));
  if (o.token !== null) {
    const given = requestToken(req.headers);
    if (given === null || !sameToken(given, o.token)) {
      // The printed link: /?token=T sets the cookie and leaves the token out of the address.
      const t = params.get("token");
      if (path === "/" && t !== null && sameToken(t, o.token)) {
        params.delete("token");
        const rest = params.toString();
        res.writeHead(303, {
          ...BASE_HEADERS,
          Location: rest ? `/?${rest}` : "/",
          "Set-Cookie": `${COOKIE}=${o.token}; HttpOnly; SameSite=Strict; Path=/`,
          "Content-Length": 0,
        });
        res.end();
        return;
      }
      throw new HttpError(401, "a token is needed (the link tsnap serve printed, or Authorization: Bearer)");
    }
  }
  const api = API[path];
  if (api) {
    const out = await api(params, o.data);
    if (out.body.length > MAX_BODY)
      throw new HttpError(400, "answer too large: narrow the window or filters");
    const svg = path.endsWith(".svg");
    send(res, 200, out.type, out.body, {
      "Cache-Control": "no-store",
      "Content-Security-Policy": svg ? SVG_CSP : PAGE_CSP,
      ...(svg ? {} : { "X-Frame-Options": "DENY" }),
    });
    return;
  }
  if (path.startsWith("/api/")) throw new HttpError(404, `no API ${path.slice(0, 60)}`);
  if (q >= 0 && path !== "/") throw new HttpError(400, "the page's files take no parameters");
  const asset = assets.get(path);
  if (!asset) throw new HttpError(404, "not found");
  send(res, 200, asset.type, asset.body, {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": PAGE_CSP,
    "X-Frame-Options": "DENY",
  });
}

export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const assets = loadAssets();
  let port = o.port;
  const server: Server = createServer({ maxHeaderSize: 16384 }, (req, res) => {
    handle(req, res, o, port, assets).catch((err: unknown) => {
      const status = statusOf(err);
      if (status === 500) o.log(`${formatError(err)} (${req.method} ${String(req.url).slice(0, 200)})\n`);
      const line = status === 500 ? "tsnap: internal error (the server's log says more)" : formatError(err);
      if (res.headersSent) res.destroy();
      else send(res, status, "text/plain; charset=utf-8", `${line.split("\n")[0]}\n`);
    });
  });
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE") reject(new InputError(`${o.host}:${o.port} is in use (--port)`));
      else if (err.code === "EACCES") reject(new PermissionError(`cannot listen on ${o.host}:${o.port}`));
      else if (err.code === "EADDRNOTAVAIL") reject(new InputError(`--bind ${o.host}: no such address here`));
      else reject(new InputError(`cannot listen on ${o.host}:${o.port}`, { cause: err }));
    });
    server.listen(o.port, o.host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shown = o.host.includes(":") ? `[${o.host}]` : o.host;
  const url = `http://${shown}:${port}/${o.token !== null ? `?token=${o.token}` : ""}`;
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export { isLoopback };
