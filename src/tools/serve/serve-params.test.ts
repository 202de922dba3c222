// The request checks, pure: what passes is the model's view with columns known to the
// query layer; everything else is a UsageError of one line (the server's 400).
import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../../errors.js";
import { viewToQuery } from "../../ui-model/view-url.js";
import { flameParams, histParams, MAX_WINDOW_US, valuesParams, viewParams } from "./serve-params.js";

const q = (s: string) => new URLSearchParams(s);

test("a view round-trips through the model's URL text, defaults filled", () => {
  const p = viewParams(
    q("g=state,syscall&f=state%3DDISK&f=syscall!%3Dread&from=1000000&to=2000000&sort=-samples&lat=1"),
  );
  assert.deepEqual(p.view.groups, ["state", "syscall"]);
  assert.deepEqual(p.view.filters, [
    { column: "state", op: "=", value: "DISK" },
    { column: "syscall", op: "!=", value: "read" },
  ]);
  assert.equal(p.by, "state");
  assert.equal(p.buckets, 200);
  assert.equal(viewParams(q(viewToQuery(p.view))).view.fromUs, 1000000);
  assert.equal(viewParams(q("by=comm2&cols=50")).by, "comm2");
  assert.equal(histParams(q("kind=io")).kind, "io");
  assert.deepEqual(
    flameParams(q("levels=state,kstack")).levels.map((l) => l.name),
    ["state", "kstack"],
  );
  assert.equal(valuesParams(q("column=Comm")).column, "comm");
});

test("hostile or malformed parameters: a UsageError of one line each", () => {
  const bad: [() => unknown, RegExp][] = [
    [() => viewParams(q("g=state;drop")), /bad group column/],
    [() => viewParams(q("g=nosuch")), /unknown column/],
    [() => viewParams(q("f=nosuch=1")), /unknown column/],
    [() => viewParams(q("f=x")), /bad filter/],
    [() => viewParams(q(`f=comm=${"a".repeat(5000)}`)), /longer than/],
    [() => viewParams(q(Array.from({ length: 65 }, (_, i) => `f=comm=${i}`).join("&"))), /at most 64/],
    [() => viewParams(q("g=a,b,c,d,e,f,g,h,i")), /at most 8/],
    [() => viewParams(q("g=state,state")), /twice/],
    [() => viewParams(q("from=5&to=4")), /bad from\/to/],
    [() => viewParams(q("from=-1&to=4")), /outside/],
    [() => viewParams(q(`from=1&to=${MAX_WINDOW_US + 2}`)), /400 days/],
    [() => viewParams(q("from=1")), /go together/],
    [() => viewParams(q("by=time_1s")), /time bucket/],
    [() => viewParams(q("by=x%0Ay")), /not a column name/],
    [() => viewParams(q("cols=5")), /10 to 2000/],
    [() => viewParams(q("cols=1e3")), /whole number/],
    [() => viewParams(q("sql=select")), /unknown parameter/],
    [() => viewParams(q("g=state&g=comm")), /twice/],
    [() => histParams(q("kind=all")), /kind/],
    [() => flameParams(q("levels=state,read_csv('x')")), /not a column name/],
    [() => valuesParams(q("")), /missing/],
  ];
  for (const [fn, re] of bad) {
    assert.throws(fn, (err: unknown) => {
      assert.ok(err instanceof UsageError, String(err));
      assert.match(err.message, re);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
  }
});
