// SigV4 against the worked example of AWS's S3 documentation ("Signature Calculations for
// the Authorization Header: Example: GET Object"), whose signature AWS computed, not us.
import assert from "node:assert/strict";
import { test } from "node:test";
import { canonicalQuery, encodePath, signRequest, uriEncode } from "./sigv4.js";

test("GET Object example of the S3 documentation gives AWS's signature", () => {
  const h = signRequest(
    {
      method: "GET",
      host: "examplebucket.s3.amazonaws.com",
      path: "/test.txt",
      headers: { range: "bytes=0-9" },
      payloadSha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      region: "us-east-1",
      amzDate: "20130524T000000Z",
    },
    { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
  );
  assert.equal(
    h.authorization,
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
  );
});

test("PUT Object and GET Bucket examples of the S3 documentation give AWS's signatures", () => {
  const secret = {
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  };
  const put = signRequest(
    {
      method: "PUT",
      host: "examplebucket.s3.amazonaws.com",
      path: encodePath("examplebucket", "test$file.text").replace("/examplebucket", ""),
      headers: { date: "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY" },
      payloadSha256: "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
      region: "us-east-1",
      amzDate: "20130524T000000Z",
    },
    secret,
  );
  assert.match(
    put.authorization,
    /Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd$/,
  );
  const list = signRequest(
    {
      method: "GET",
      host: "examplebucket.s3.amazonaws.com",
      path: "/",
      query: { "max-keys": "2", prefix: "J" },
      payloadSha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      region: "us-east-1",
      amzDate: "20130524T000000Z",
    },
    secret,
  );
  assert.match(
    list.authorization,
    /Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7$/,
  );
});

test("paths and queries are encoded once, RFC 3986 style", () => {
  assert.equal(uriEncode("a b/c~"), "a%20b%2Fc~");
  assert.equal(
    encodePath("bkt", "samples/dt=2026-12-02/host=a b/x.parquet"),
    "/bkt/samples/dt%3D2026-12-02/host%3Da%20b/x.parquet",
  );
  assert.equal(canonicalQuery({ prefix: "a/b", "list-type": "2" }), "list-type=2&prefix=a%2Fb");
});
