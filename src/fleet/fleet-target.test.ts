// Pure checks of what fleet commands accept: store locations, names, credentials files,
// -w filters. Hostile text is refused with a UsageError (exit 2), never passed on.
import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../errors.js";
import { parseCredentialsFile } from "./credentials.js";
import { parseFleetWhere } from "./fleet-query.js";
import { checkName, objectKey, parseS3Url, parseTarget } from "./fleet-target.js";

test("s3 targets: bucket rules, prefixes, endpoints of scheme, host and port only", () => {
  const t = parseS3Url("s3://tsnap-fleet/prod/eu/", "http://127.0.0.1:9000", "eu-west-1");
  assert.deepEqual(
    [t.bucket, t.prefix, t.endpoint.host, t.region],
    ["tsnap-fleet", "prod/eu", "127.0.0.1:9000", "eu-west-1"],
  );
  for (const [url, endpoint] of [
    ["s3://ab", "http://h"],
    ["s3://Upper", "http://h"],
    ["s3://a..b", "http://h"],
    ["s3://bucket/../etc", "http://h"],
    ["s3://bucket/a b", "http://h"],
    ["s3://bucket", "http://h/path"],
    ["s3://bucket", "http://h?x=1"],
    ["s3://bucket", "ftp://h"],
    ["s3://bucket", "http://k:s@h"],
    ["s3://bucket", undefined],
  ] as const)
    assert.throws(() => parseS3Url(url, endpoint), UsageError, `${url} ${endpoint}`);
  assert.throws(() => parseTarget("gs://bucket", undefined), UsageError);
  assert.throws(() => parseTarget("./dir", "http://h"), UsageError);
  assert.throws(() => parseTarget("it's", undefined), UsageError);
  assert.deepEqual(parseTarget("./mirror", undefined), { kind: "dir", dir: "./mirror" });
});

test("host and service names, and the object layout", () => {
  assert.equal(checkName("host", "web-01.eu"), "web-01.eu");
  for (const bad of ["", "-x", "a/b", "a b", "x".repeat(64), "é"])
    assert.throws(() => checkName("host", bad), UsageError);
  assert.equal(
    objectKey("prod", "samples", "2026-01-02.04", "web1", "2026-01-02.04_0_0123456789abcdef"),
    "prod/samples/dt=2026-01-02/hour=04/host=web1/2026-01-02.04_0_0123456789abcdef.parquet",
  );
});

test("credentials file: the profile's keys, other profiles and comments ignored", () => {
  const text =
    "# c\n[default]\naws_access_key_id = AK1\naws_secret_access_key=SK1\n\n[other]\naws_access_key_id=AK2\naws_secret_access_key=SK2\naws_session_token=T2\n";
  assert.deepEqual(parseCredentialsFile(text, "default"), { accessKeyId: "AK1", secretAccessKey: "SK1" });
  assert.deepEqual(parseCredentialsFile(text, "other"), {
    accessKeyId: "AK2",
    secretAccessKey: "SK2",
    sessionToken: "T2",
  });
  assert.equal(parseCredentialsFile(text, "none"), null);
});

test("fleet -w: col=value and col!=value on known columns; numbers checked", () => {
  assert.deepEqual(
    (({ column, op, value }) => [column.name, op, value])(parseFleetWhere("comm = 'my app'")),
    ["comm", "=", "my app"],
  );
  assert.equal(parseFleetWhere("tid!=42").value, "42");
  for (const bad of ["comm~x", "nosuch=1", "tid=1 OR 1=1", "state"])
    assert.throws(() => parseFleetWhere(bad), UsageError, bad);
});
