// Who may talk to the server. On a loopback address: anyone on this machine, but only
// under a loopback Host name (a web page elsewhere cannot reach it by DNS rebinding). On
// any other address: a token (generated and printed, or read from --token-file), sent as
// `Authorization: Bearer TOKEN` or the cookie the page gets from its first `/?token=`
// visit; compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { InputError, UsageError } from "../../errors.js";

export const COOKIE = "tsnap_token";

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || (isIP(host) === 4 && host.startsWith("127."));
}

export function newToken(): string {
  return randomBytes(24).toString("base64url");
}

export function readTokenFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new InputError(`--token-file ${path}`, { cause: err });
  }
  const token = text.trim();
  if (!/^[A-Za-z0-9._~+/=-]{16,256}$/.test(token))
    throw new UsageError(`--token-file ${path}: 16 to 256 of A-Z a-z 0-9 . _ ~ + / = -`);
  return token;
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Equal in time independent of where they differ (the lengths are hidden by hashing). */
export function sameToken(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token));
}

/** The token a request carries: bearer header, then cookie; null when none. */
export function requestToken(headers: { authorization?: string; cookie?: string }): string | null {
  const auth = headers.authorization;
  if (auth?.startsWith("Bearer ")) return auth.slice(7).trim();
  for (const part of (headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE) return part.slice(eq + 1).trim();
  }
  return null;
}

/** Host header names that reach a loopback server: the address itself or localhost, this port. */
export function loopbackHostAllowed(hostHeader: string | undefined, bound: string, port: number): boolean {
  if (!hostHeader) return false;
  const h = hostHeader.toLowerCase();
  const names = ["127.0.0.1", "localhost", "[::1]", bound.includes(":") ? `[${bound}]` : bound];
  return names.some((n) => h === `${n}:${port}`);
}
