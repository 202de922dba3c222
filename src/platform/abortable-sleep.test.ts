// waitOrAbort: false after a full wait, true at once when already aborted, true when
// aborted during the wait (and without waiting out the rest: an hour would time out).
import assert from "node:assert/strict";
import { test } from "node:test";
import { waitOrAbort } from "./abortable-sleep.js";

test("a full wait, an aborted signal, an abort during an hour's (or an endless) wait", async () => {
  assert.equal(await waitOrAbort(5, new AbortController().signal), false);
  assert.equal(await waitOrAbort(-1, new AbortController().signal), false);
  assert.equal(await waitOrAbort(3_600_000, AbortSignal.abort()), true);
  for (const ms of [3_600_000, Number.POSITIVE_INFINITY]) {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    assert.equal(await waitOrAbort(ms, ac.signal), true, String(ms));
  }
});
