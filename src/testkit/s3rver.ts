// A real S3-compatible server for the fleet tests: s3rver (npm, Node) as a child process
// on a loopback port, with its data in a temp directory that survives a kill and restart,
// and a loopback TCP proxy in front of it that can SIGKILL the server in the middle of a
// request (after forwarding part of its bytes), so an upload is cut exactly mid-body.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import net from "node:net";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export const S3RVER_KEY = "S3RVER"; // s3rver's built-in account (it checks SigV4 against it)

const require = createRequire(import.meta.url);

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, "127.0.0.1", () => {
        c.destroy();
        resolve(true);
      });
      c.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`s3rver did not listen on ${port} within ${ms} ms`);
    await sleep(50);
  }
}

export class S3rver {
  private child: ChildProcess | null = null;
  constructor(
    readonly dataDir: string,
    readonly port: number,
    readonly bucket: string,
  ) {}

  static available(): boolean {
    try {
      require.resolve("s3rver/package.json");
      return true;
    } catch {
      return false;
    }
  }

  async start(): Promise<void> {
    const bin = join(dirname(require.resolve("s3rver/package.json")), "bin", "s3rver.js");
    const args = [
      bin,
      "-d",
      this.dataDir,
      "-a",
      "127.0.0.1",
      "-p",
      String(this.port),
      "-s",
      "--configure-bucket",
      this.bucket,
    ];
    this.child = spawn(process.execPath, args, { stdio: "ignore" });
    await waitForPort(this.port, 15_000);
  }

  /** SIGKILL, as a crash: nothing flushed, no goodbye to the clients. */
  kill(): void {
    this.child?.kill("SIGKILL");
    this.child = null;
  }

  async stop(): Promise<void> {
    const c = this.child;
    this.child = null;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise((r) => c.once("exit", r));
    c.kill("SIGTERM");
    await gone;
  }
}

/**
 * A loopback proxy to `backendPort`. `cutNext(onCut)`: the next connection forwards its
 * request's headers and half of its body (by its Content-Length), then `onCut` runs (the
 * test kills the server there) and the client's connection is destroyed: the upload is
 * interrupted mid-body.
 */
export class CuttingProxy {
  private server: net.Server;
  private cut: { onCut: () => void } | null = null;
  port = 0;
  cuts = 0;

  constructor(readonly backendPort: number) {
    this.server = net.createServer((client) => this.handle(client));
  }

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  cutNext(onCut: () => void): void {
    this.cut = { onCut };
  }

  private handle(client: net.Socket): void {
    const up = net.connect(this.backendPort, "127.0.0.1");
    // Connections are kept alive: the cut applies to the next request to start, on any.
    let cut: { onCut: () => void } | null = null;
    let sent = 0;
    let head = Buffer.alloc(0);
    let limit = Number.POSITIVE_INFINITY;
    client.on("data", (chunk: Buffer) => {
      if (!cut && this.cut && /^[A-Z]+ \//.test(chunk.subarray(0, 16).toString("latin1"))) {
        cut = this.cut;
        this.cut = null;
      }
      if (!cut) return void up.write(chunk);
      if (sent >= limit) return;
      if (limit === Number.POSITIVE_INFINITY) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        const len = /\r\ncontent-length:\s*(\d+)/i.exec(head.toString("latin1"));
        if (end >= 0 && len) limit = end + 4 + Math.max(1, Math.floor(Number(len[1]) / 2));
      }
      const part = chunk.subarray(0, Math.max(0, Math.min(chunk.length, limit - sent)));
      sent += part.length;
      up.write(part);
      if (sent >= limit) {
        this.cuts++;
        const c = cut;
        // Let the bytes reach the server, then crash it with the request half-read.
        setTimeout(() => {
          c.onCut();
          client.destroy();
          up.destroy();
        }, 50);
      }
    });
    up.on("data", (d) => client.write(d));
    up.on("end", () => client.end());
    up.on("error", () => client.destroy());
    client.on("error", () => up.destroy());
    client.on("close", () => up.destroy());
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
