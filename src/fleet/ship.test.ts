// tsnap ship against a real S3-compatible server (s3rver, which also verifies our SigV4
// signatures): two hosts' real captures (proc source, two hours each), the server SIGKILLed
// in the middle of an upload's body and restarted, and then every object listed and read
// back: each sample and round row arrives exactly once per host, counted against the
// local files with DuckDB; shipping again (with or without the ledger) adds nothing.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { InputError } from "../errors.js";
import { Duck } from "../query/duck.js";
import { runCli } from "../testkit/cli.js";
import { captureFakeHours } from "../testkit/fleet-capture.js";
import { CuttingProxy, freePort, S3RVER_KEY, S3rver } from "../testkit/s3rver.js";
import { parseS3Url } from "./fleet-target.js";
import { S3Client } from "./s3-client.js";
import { shipOnce } from "./ship.js";

const BUCKET = "tsnap-fleet";
const creds = { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY };

async function localRows(duck: Duck, dir: string, table: string): Promise<number> {
  const r = await duck.all(
    `SELECT count(*)::BIGINT AS n FROM read_parquet('${dir}/tsnap_${table}_*.parquet')`,
  );
  return Number(r[0].n);
}

test("ship: server killed mid-upload and restarted, every row arrives exactly once per host", {
  skip: S3rver.available() ? false : "s3rver is not installed (npm devDependency: scripts/setup.sh)",
}, async () => {
  const root = mkdtempSync(join(tmpdir(), "tsnap-ship-"));
  const server = new S3rver(join(root, "s3"), await freePort(), BUCKET);
  mkdirSync(server.dataDir);
  await server.start();
  const proxy = new CuttingProxy(server.port);
  const duck = await Duck.open();
  try {
    const hosts = { alpha: join(root, "alpha"), beta: join(root, "beta") };
    for (const [i, dir] of Object.values(hosts).entries()) {
      mkdirSync(dir, { mode: 0o700 });
      const n = await captureFakeHours(dir, `2026-01-02T03:59:${50 + i}Z`, 20);
      assert.ok(n >= 12, `rounds captured: ${n}`);
    }
    await proxy.listen();
    const viaProxy = new S3Client(
      parseS3Url(`s3://${BUCKET}/prod`, `http://127.0.0.1:${proxy.port}`),
      creds,
      5000,
    );
    const direct = new S3Client(parseS3Url(`s3://${BUCKET}/prod`, `http://127.0.0.1:${server.port}`), creds);
    const notes: string[] = [];
    let uploads = 0;
    let restarted: Promise<void> | null = null;
    const opts = (host: string, store: S3Client) => ({
      dir: hosts[host as keyof typeof hosts],
      spoolDir: join(root, `spool-${host}`),
      host,
      service: "api",
      prefix: "prod",
      store,
      notice: (l: string) => notes.push(l),
      baseBackoffMs: 100,
      maxBackoffMs: 800,
      giveUpMs: 60_000,
    });
    const alpha = await shipOnce({
      ...opts("alpha", viaProxy),
      beforeUpload: () => {
        // The third upload: forward its headers and half its body, then SIGKILL the
        // server and cut the connection; the server is back 1.5 s later.
        if (++uploads !== 3) return;
        proxy.cutNext(() => {
          server.kill();
          restarted = sleep(1500).then(() => server.start());
        });
      },
    });
    assert.equal(proxy.cuts, 1, "an upload was cut mid-request");
    assert.ok(restarted, "the server was killed");
    await restarted;
    assert.ok(alpha.retries >= 1, `retries after the kill: ${alpha.retries} (${notes.join(" | ")})`);
    assert.ok(
      notes.some((l) => /answers again/.test(l)),
      notes.join(" | "),
    );
    assert.equal(alpha.segments, 2, "two hours, two closed segments");
    const beta = await shipOnce(opts("beta", direct));
    assert.equal(beta.segments, 2);
    assert.deepEqual(
      readdirSync(opts("alpha", direct).spoolDir),
      ["shipped.log"],
      "spool emptied, ledger kept",
    );

    // Read everything back: layout, one object per (table, segment), rows once per host.
    const check = async () => {
      const objects = await direct.list("prod/");
      const keys = objects.map((o) => o.key);
      assert.equal(new Set(keys).size, keys.length);
      for (const k of keys)
        assert.match(
          k,
          /^prod\/[a-z]+\/dt=2026-01-02\/hour=0[34]\/host=(alpha|beta)\/2026-01-02\.0[34]_0_[0-9a-f]{16}\.parquet$/,
        );
      const got = join(root, `got-${Date.now()}`);
      mkdirSync(got);
      for (const o of objects) writeFileSync(join(got, o.key.replaceAll("/", "_")), await direct.get(o.key));
      for (const [host, dir] of Object.entries(hosts))
        for (const table of ["samples", "rounds"]) {
          const r = await duck.all(
            `SELECT count(*)::BIGINT AS n, count(DISTINCT host) AS h, min(host) AS host, min(service) AS service FROM read_parquet('${got}/prod_${table}_*host=${host}_*.parquet')`,
          );
          assert.equal(
            Number(r[0].n),
            await localRows(duck, dir, table),
            `${host} ${table} rows exactly once`,
          );
          assert.deepEqual([Number(r[0].h), r[0].host, r[0].service], [1, host, "api"]);
        }
      return keys.length;
    };
    const objectCount = await check();
    // Again: nothing to do. Without the ledger: the same names are written again, no copy.
    const again = await shipOnce(opts("alpha", direct));
    assert.deepEqual([again.objects, again.alreadyShipped], [0, 2]);
    rmSync(join(root, "spool-alpha", "shipped.log"));
    const noLedger = await shipOnce(opts("alpha", direct));
    assert.equal(noLedger.segments, 2);
    assert.equal(await check(), objectCount, "re-shipped under the same names");
  } finally {
    await duck.close();
    await proxy.close();
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test("ship: an unknown key is refused at once, not retried; large bodies go in parts; bad names and flags are usage errors", {
  skip: S3rver.available() ? false : "s3rver is not installed",
}, async () => {
  const root = mkdtempSync(join(tmpdir(), "tsnap-ship-"));
  const server = new S3rver(join(root, "s3"), await freePort(), BUCKET);
  mkdirSync(server.dataDir);
  await server.start();
  try {
    // (s3rver checks the key id but not SigV4 signatures: sigv4.test.ts checks those.)
    const bad = new S3Client(parseS3Url(`s3://${BUCKET}`, `http://127.0.0.1:${server.port}`), {
      accessKeyId: "NOBODY",
      secretAccessKey: "x",
    });
    await assert.rejects(
      bad.put("x/y.parquet", Buffer.from("x")),
      (e: Error) => e instanceof InputError && /InvalidAccessKeyId/.test(e.message),
    );
    // A body over the part size goes up in parts, each checked, and reads back equal.
    const parts = new S3Client(
      parseS3Url(`s3://${BUCKET}`, `http://127.0.0.1:${server.port}`),
      { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY },
      5000,
      64 * 1024,
    );
    const big = randomBytes(200 * 1024 + 7);
    const etag = await parts.put("big/segment.parquet", big);
    assert.ok(
      etag === createHash("md5").update(big).digest("hex") || /-4$/.test(etag),
      `multipart ETag ${etag}`,
    );
    assert.ok((await parts.get("big/segment.parquet")).equals(big), "the parts read back as the body");
    for (const [argv, msg] of [
      [
        ["ship", root, "--segment", "7m", "--to", "s3://ok-bucket", "--endpoint", "http://127.0.0.1:1"],
        /--segment 7m/,
      ],
      [
        ["ship", root, "--spool-max", "lots", "--to", "s3://ok-bucket", "--endpoint", "http://127.0.0.1:1"],
        /--spool-max/,
      ],
      [["ship", root, "--to", "s3://Bad_Bucket", "--endpoint", "http://127.0.0.1:1"], /bad bucket name/],
      [["ship", root, "--to", "s3://ok-bucket/../x", "--endpoint", "http://127.0.0.1:1"], /bad prefix/],
      [
        ["ship", root, "--to", "s3://ok-bucket", "--endpoint", "http://u:p@127.0.0.1:1"],
        /no credentials in the URL/,
      ],
      [["ship", root, "--to", "s3://ok-bucket", "--endpoint", "file:///etc"], /http:\/\/ or https:\/\//],
      [
        ["ship", root, "--to", "s3://ok-bucket", "--endpoint", "http://127.0.0.1:1", "--host", "a/../b"],
        /bad host name/,
      ],
    ] as const) {
      const r = await runCli([...argv]);
      assert.equal(r.code, 2, `${argv.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, msg);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
  } finally {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
