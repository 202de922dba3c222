// S3 credentials from the usual places, never from the command line (so never in `ps`)
// and never printed: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN), else
// a shared-credentials file (--credentials FILE, else $AWS_SHARED_CREDENTIALS_FILE, else
// ~/.aws/credentials), profile $AWS_PROFILE or "default".
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { InputError } from "../errors.js";
import type { Credentials } from "./sigv4.js";

/** Pure: the profile's keys from an ini text, or null. */
export function parseCredentialsFile(text: string, profile: string): Credentials | null {
  let current = "";
  const found: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const sec = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (sec) {
      current = sec[1];
      continue;
    }
    const kv = /^([A-Za-z_]+)\s*=\s*(.*)$/.exec(line);
    if (kv && current === profile) found[kv[1].toLowerCase()] = kv[2].trim();
  }
  if (!found.aws_access_key_id || !found.aws_secret_access_key) return null;
  return {
    accessKeyId: found.aws_access_key_id,
    secretAccessKey: found.aws_secret_access_key,
    ...(found.aws_session_token ? { sessionToken: found.aws_session_token } : {}),
  };
}

export function loadCredentials(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Credentials {
  if (file === undefined && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY)
    return {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  const path = file ?? env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), ".aws", "credentials");
  const profile = env.AWS_PROFILE ?? "default";
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new InputError(
      `no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give --credentials FILE (${path} is not readable)`,
    );
  }
  const creds = parseCredentialsFile(text, profile);
  if (!creds)
    throw new InputError(`${path}: no aws_access_key_id/aws_secret_access_key in profile [${profile}]`);
  return creds;
}
