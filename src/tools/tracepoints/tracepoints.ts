// `tsnap tracepoints [REGEX]`: tracepoints `category:name` with their record fields, read
// from tracefs events/*/*/format (0x.tools tracepointargs). -v adds offsets and sizes.

import { flagHelp, parseFlags, regexFlag, switchFlag } from "../../command/args.js";
import { type Command, type Io, toolCommand } from "../../command/command.js";
import { tableOrJsonFlag } from "../../command/flags.js";
import { InputError } from "../../errors.js";
import { openTracefs, type Tracefs } from "../../platform/tracefs.js";
import { fieldDeclaration, type TraceField } from "../../platform/tracefs-format.js";
import { jsonArray } from "../../report/table.js";
import { tool } from "./tracepoints.tool.js";

export interface TracepointEntry {
  /** `category:name`, e.g. `sched:sched_switch`. */
  name: string;
  id: number;
  /** The event's own fields (common_* header fields left out). */
  fields: TraceField[];
}

/** Tracepoints whose `category:name` matches `re`, sorted. Only matching formats are read. */
export function listTracepoints(fs: Tracefs, re: RegExp): TracepointEntry[] {
  const out: TracepointEntry[] = [];
  for (const { category, name } of fs.allEvents()) {
    const full = `${category}:${name}`;
    if (!re.test(full)) continue;
    const format = fs.format(category, name);
    out.push({ name: full, id: format.id, fields: format.fields });
  }
  return out;
}

/** One line per tracepoint: `sched:sched_wakeup(char comm[16], pid_t pid, ...)`. Pure. */
export function renderTracepointTable(entries: readonly TracepointEntry[]): string {
  return entries.map((e) => `${e.name}(${e.fields.map(fieldDeclaration).join(", ")})\n`).join("");
}

/** -v: the tracepoint and its ID, then one row per field with offset, size and sign. Pure. */
export function renderTracepointVerbose(entries: readonly TracepointEntry[]): string {
  const blocks = entries.map((e) => {
    const decls = e.fields.map(fieldDeclaration);
    const width = Math.max(5, ...decls.map((d) => d.length));
    const rows = e.fields.map(
      (f, i) =>
        `    ${decls[i].padEnd(width)}  ${String(f.offset).padStart(6)}  ${String(f.size).padStart(4)}  ${f.signed ? "yes" : "no"}`,
    );
    const header = `    ${"FIELD".padEnd(width)}  ${"OFFSET".padStart(6)}  ${"SIZE".padStart(4)}  SIGNED`;
    return [`${e.name} (id ${e.id})`, ...(rows.length ? [header, ...rows] : ["    (no fields)"])].join("\n");
  });
  return `${blocks.join("\n\n")}\n`;
}

/** JSON records: {name, id, args: [{type, name}]} plus offset/size/signed/array with -v. */
export function tracepointJson(entries: readonly TracepointEntry[], verbose: boolean): unknown[] {
  return entries.map((e) => ({
    name: e.name,
    id: e.id,
    args: e.fields.map((f) => {
      const type = f.arrayLen === null ? f.type : `${f.type}[${f.arrayLen || ""}]`;
      return verbose
        ? { type, name: f.name, offset: f.offset, size: f.size, signed: f.signed }
        : { type, name: f.name };
    }),
  }));
}

const FLAGS = {
  verbose: switchFlag({
    long: "verbose",
    short: "v",
    help: "one row per field with its offset, size (bytes) and signedness",
  }),
  format: tableOrJsonFlag("an array of {name, id, args: [{type, name}]} (-v adds offset, size, signed)"),
};

const HELP = `tsnap tracepoints: list tracepoints and their arguments (like 0x.tools tracepointargs)

USAGE
  tsnap tracepoints [REGEX] [-v] [--format FMT]

Lists the kernel's tracepoints as category:name with the fields each one records, read from
the format files in tracefs (events/<category>/<name>/format). REGEX (a JavaScript regular
expression) selects tracepoints whose category:name it matches anywhere. The common_* header
fields every event starts with are left out. Needs read access to tracefs (root); mounts it
at /sys/kernel/tracing when it is missing and we are root.

OPTIONS
${flagHelp(FLAGS)}
EXAMPLES
  tsnap tracepoints '^sched:'          the scheduler's tracepoints
  tsnap tracepoints -v sched_switch    sched_switch with field offsets and sizes
  tsnap tracepoints '^block:block_rq'  block request tracepoints
  tsnap tracepoints --format json '^syscalls:sys_enter_read$'
`;

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS, 1);
  const { format, verbose } = values;
  const re = regexFlag(positionals[0] ?? "", "REGEX");
  const entries = listTracepoints(openTracefs(), re);
  if (entries.length === 0) throw new InputError(`no tracepoint matches /${re.source}/`);
  if (format === "json") io.out(jsonArray(tracepointJson(entries, verbose)));
  else io.out(verbose ? renderTracepointVerbose(entries) : renderTracepointTable(entries));
  return 0;
}

export const command: Command = toolCommand(tool, HELP, run);
