// ship's uploads against a store that may be down: one call retried with exponential
// back-off (full jitter) on what S3 says is worth retrying (no connection, time-outs, 5xx,
// 408, 429), until a deadline; any other failure (a 4xx such as a bad key) stops at once.
import { setTimeout as sleep } from "node:timers/promises";
import { InputError } from "../errors.js";
import { RetryableS3Error } from "./s3-client.js";

export interface RetryOptions {
  /** The capture directory, named when giving up (its files ship next time). */
  dir: string;
  notice: (line: string) => void;
  signal?: AbortSignal;
  /** First back-off, doubled per failure up to maxBackoffMs.      [default: 500, 60000] */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Give up on the store after this long without success.        [default: 600000] */
  giveUpMs?: number;
}

/** `call` until it succeeds; each failed try adds one to `count.retries`. */
export async function withRetry(
  o: RetryOptions,
  key: string,
  call: () => Promise<string>,
  count: { retries: number },
): Promise<string> {
  const base = o.baseBackoffMs ?? 500;
  const max = o.maxBackoffMs ?? 60_000;
  const giveUp = Date.now() + (o.giveUpMs ?? 600_000);
  let failures = 0;
  for (;;) {
    try {
      const r = await call();
      if (failures > 0) o.notice(`tsnap ship: the store answers again (${failures} failed tries for ${key})`);
      return r;
    } catch (e) {
      if (!(e instanceof RetryableS3Error)) throw e;
      failures++;
      count.retries++;
      const wait = Math.random() * Math.min(max, base * 2 ** Math.min(failures - 1, 20));
      if (failures === 1) o.notice(`tsnap ship: ${e.message}: retrying with back-off`);
      if (Date.now() + wait > giveUp)
        throw new InputError(
          `the store did not take ${key} (${e.message}); the files stay in ${o.dir} and ship next time`,
          {
            cause: e,
          },
        );
      await sleep(wait, undefined, { signal: o.signal }).catch(() => {});
      if (o.signal?.aborted) throw new InputError(`stopped before ${key} was uploaded; it ships next time`);
    }
  }
}
