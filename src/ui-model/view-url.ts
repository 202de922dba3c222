// A view as URL query text and back (the web UI's links, `tsnap ui --view`): the whole
// view, so a link reopens the same table. Parsing is strict about shape but forgiving of
// order; unknown keys are ignored (newer links in older versions).
import { type Filter, initialView, type View } from "./view-state.js";

/** `g=state,syscall&f=state%3DDISK&f=syscall!%3Dread&from=…&to=…&sort=-avg_threads&lat=1` */
export function viewToQuery(v: View): string {
  const p = new URLSearchParams();
  p.set("g", v.groups.join(","));
  for (const f of v.filters) p.append("f", `${f.column}${f.op}${f.value}`);
  if (v.fromUs !== null && v.toUs !== null) {
    p.set("from", String(v.fromUs));
    p.set("to", String(v.toUs));
  }
  if (v.sort) p.set("sort", `${v.sort.desc ? "-" : ""}${v.sort.column}`);
  if (v.latency) p.set("lat", "1");
  return p.toString();
}

const NAME = /^[a-z_][a-z0-9_]*$/;

/** The view a query text describes; an Error (with the reason) when it is malformed. */
export function viewFromQuery(text: string): View {
  const p = new URLSearchParams(text.startsWith("?") ? text.slice(1) : text);
  const v = initialView();
  const g = p.get("g");
  if (g !== null) {
    const groups = g.split(",").filter((x) => x.length > 0);
    for (const c of groups) if (!NAME.test(c)) throw new Error(`bad group column '${c}'`);
    if (groups.length === 0) throw new Error("g: no group column");
    v.groups = groups;
  }
  v.filters = p.getAll("f").map(parseFilterParam);
  const from = p.get("from");
  const to = p.get("to");
  if ((from === null) !== (to === null)) throw new Error("from and to go together");
  if (from !== null && to !== null) {
    const f = Number(from);
    const t = Number(to);
    if (!Number.isSafeInteger(f) || !Number.isSafeInteger(t) || f >= t) throw new Error("bad from/to");
    v.fromUs = f;
    v.toUs = t;
  }
  const sort = p.get("sort");
  if (sort) {
    const desc = sort.startsWith("-");
    const column = desc ? sort.slice(1) : sort;
    if (!NAME.test(column)) throw new Error(`bad sort column '${column}'`);
    v.sort = { column, desc };
  }
  v.latency = p.get("lat") === "1";
  return v;
}

function parseFilterParam(s: string): Filter {
  const m = /^([a-z_][a-z0-9_]*)(!=|=)([\s\S]*)$/.exec(s);
  if (!m) throw new Error(`bad filter '${s}' (column=value or column!=value)`);
  return { column: m[1], op: m[2] as Filter["op"], value: m[3] };
}
