// The page's panels as DOM: the grouped table (cells call back for drill, include,
// exclude, sort), the breadcrumb of filters, the group-by chips and the log2 latency
// histograms. No state here: app.js owns it (through the navigation model).
// Browser code, kept as plain JavaScript (tsc only copies it to dist/ for the package):
// @ts-nocheck

function h(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "on") for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else if (k === "class") e.className = v;
    else e.setAttribute(k, String(v));
  }
  for (const kid of kids) if (kid !== null && kid !== undefined) e.append(kid);
  return e;
}

/** A cell value as text: avg threads with 2 decimals, µs with 1, missing as "-". */
export function cellText(column, v) {
  if (v === null || v === undefined) return "-";
  if (typeof v !== "number") return String(v);
  if (column === "avg_threads") return v.toFixed(2);
  if (Number.isInteger(v)) return String(v);
  return v.toFixed(column.endsWith("_us") ? 1 : 2);
}

/**
 * The grouped table. `groups`: the view's group columns; `act(kind, row, col)` with kind
 * drill | include | exclude | sort (row -1 for a header).
 */
export function renderTable(tableEl, t, groups, sort, act) {
  const head = h(
    "tr",
    {},
    ...t.columns.map((c, col) => {
      const arrow = sort?.column === c ? (sort.desc ? " ↓" : " ↑") : "";
      return h("th", { title: "sort by this column", on: { click: () => act("sort", -1, col) } }, c + arrow);
    }),
  );
  tableEl.tHead.replaceChildren(head);
  const body = t.rows.map((r, row) =>
    h(
      "tr",
      {},
      ...t.columns.map((c, col) => {
        const v = r[c];
        const text = cellText(c, v);
        if (!groups.includes(c)) return h("td", { class: typeof v === "number" ? "num" : "" }, text);
        return h(
          "td",
          { class: "group", "data-column": c },
          h("a", { title: `drill down: ${c} = ${text}`, on: { click: () => act("drill", row, col) } }, text),
          h("button", { title: "include this value", on: { click: () => act("include", row, col) } }, "+"),
          h("button", { title: "exclude this value", on: { click: () => act("exclude", row, col) } }, "−"),
        );
      }),
    ),
  );
  tableEl.tBodies[0].replaceChildren(...body);
}

/** "all threads › state=RUN › syscall!=read", each step a link; × removes a filter. */
export function renderCrumbs(nav, view, go, remove) {
  const parts = [h("a", { on: { click: () => go(0) } }, "all threads")];
  view.filters.forEach((f, i) => {
    parts.push(" › ");
    parts.push(
      h(
        "span",
        { class: f.op === "=" ? "filter" : "filter exclude" },
        h("a", { on: { click: () => go(i + 1) } }, `${f.column}${f.op}${f.value}`),
        h("span", { class: "x", title: "remove this filter", on: { click: () => remove(i) } }, "×"),
      ),
    );
  });
  nav.replaceChildren(...parts);
}

/** Group-by chips: ◀ ▶ move a column, × removes it. */
export function renderGroups(span, groups, move, remove) {
  span.replaceChildren(
    ...groups.map((g, i) =>
      h(
        "span",
        { class: "chip", "data-group": g },
        i > 0 ? h("a", { title: "move left", on: { click: () => move(g, -1) } }, "◀") : null,
        g,
        i < groups.length - 1 ? h("a", { title: "move right", on: { click: () => move(g, 1) } }, "▶") : null,
        groups.length > 1
          ? h("span", { class: "x", title: "stop grouping by it", on: { click: () => remove(g) } }, "×")
          : null,
      ),
    ),
  );
}

/** One kind's histograms (an /api/hist answer): bcc's log2 slots, a bar per slot. */
export function renderHists(div, a) {
  const title = h("h3", {}, a.what);
  if (!a.available) {
    div.replaceChildren(
      title,
      h(
        "p",
        { class: "muted" },
        "no latency histograms in these files (tsnap capture with the bpf source records them)",
      ),
    );
    return;
  }
  const parts = [title];
  if (!a.filtered)
    parts.push(
      h("p", { class: "muted" }, "not narrowed by the filters: the histograms have no such columns"),
    );
  if (a.hists.length === 0) parts.push(h("p", { class: "muted" }, "no completions in this window"));
  for (const x of a.hists) {
    const first = x.slots.findIndex((n) => n > 0);
    const max = Math.max(...x.slots);
    const rows = [];
    for (let i = Math.max(0, first); i < x.slots.length; i++) {
      const lo = i === 0 ? 0 : 2 ** i;
      const fill = h("div", { class: "fill" });
      fill.style.width = `${max > 0 ? (100 * x.slots[i]) / max : 0}%`;
      rows.push(
        h(
          "tr",
          { "data-slot": i },
          h("td", { class: "num" }, String(lo)),
          h("td", {}, "→"),
          h("td", { class: "num" }, String(2 ** (i + 1) - 1)),
          h("td", { class: "num" }, String(x.slots[i])),
          h("td", { class: "track" }, fill),
        ),
      );
    }
    const name = x.comm ? `${x.key} (${x.comm})` : x.key;
    parts.push(
      h(
        "div",
        { class: "hist", "data-key": x.key },
        h("b", {}, `${a.label} ${name}`),
        ` ${x.n} calls, µs`,
        h("table", {}, h("tbody", {}, ...rows)),
      ),
    );
  }
  div.replaceChildren(...parts);
}
