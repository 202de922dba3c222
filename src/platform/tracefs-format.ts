// Pure parser of tracefs event format files (events/<category>/<event>/format): the event's
// name and ID, its record fields with type, offset, size and signedness, and the print fmt.
// No I/O here; src/platform/tracefs.ts reads the files.

export interface TraceField {
  /** C type without the array suffix: "unsigned int", "char *", "__data_loc char[]". */
  type: string;
  name: string;
  /** Array length for `char comm[16]`; 0 for a flexible `args[]`; null when not an array. */
  arrayLen: number | null;
  /** Byte offset in the record. */
  offset: number;
  /** Size in bytes (8 for every syscall argument on 64-bit). */
  size: number;
  signed: boolean;
  /** True for the common_* header fields every event starts with. */
  common: boolean;
}

export interface TraceEventFormat {
  name: string;
  id: number;
  /** The event's own fields, in record order (common_* fields left out). */
  fields: TraceField[];
  /** The common_* header fields. */
  commonFields: TraceField[];
  /** The `print fmt:` text, as the kernel wrote it. */
  printFmt: string;
}

const FIELD_LINE = /^\s*field:(.+?);\s*offset:(\d+);\s*size:(\d+);\s*signed:([01]);/;
const DECL = /^(.*?)\s*\b([A-Za-z_]\w*)\s*(?:\[\s*(\w*)\s*\])?$/;

/** Splits a declaration like `char prev_comm[16]` into type, name and array length. */
export function parseDeclaration(decl: string): { type: string; name: string; arrayLen: number | null } {
  const m = DECL.exec(decl.trim());
  if (!m || m[1] === "") throw new Error(`bad field declaration '${decl}'`);
  let arrayLen: number | null = null;
  if (m[3] !== undefined) {
    // A symbolic length (`[TASK_COMM_LEN]`) has no number in the file: keep it unknown (0).
    arrayLen = /^\d+$/.test(m[3]) ? Number(m[3]) : 0;
  }
  return { type: m[1], name: m[2], arrayLen };
}

/** Parses one format file's text. Throws an Error naming the line for malformed input. */
export function parseEventFormat(text: string): TraceEventFormat {
  let name: string | undefined;
  let id: number | undefined;
  let printFmt = "";
  const fields: TraceField[] = [];
  const commonFields: TraceField[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith("name:")) {
      name = line.slice(5).trim();
    } else if (line.startsWith("ID:")) {
      const value = line.slice(3).trim();
      if (!/^\d+$/.test(value)) throw new Error(`format line ${i + 1}: bad ID '${value}'`);
      id = Number(value);
    } else if (line.startsWith("print fmt:")) {
      // The print fmt is the rest of the file (one line in practice).
      printFmt = lines.slice(i).join("\n").slice("print fmt:".length).trim();
      break;
    } else if (/^\s*field:/.test(line)) {
      const m = FIELD_LINE.exec(line);
      if (!m) throw new Error(`format line ${i + 1}: bad field '${line.trim()}'`);
      const decl = parseDeclaration(m[1]);
      const field: TraceField = {
        ...decl,
        offset: Number(m[2]),
        size: Number(m[3]),
        signed: m[4] === "1",
        common: decl.name.startsWith("common_"),
      };
      (field.common ? commonFields : fields).push(field);
    }
  }
  if (name === undefined) throw new Error("format has no 'name:' line");
  if (id === undefined) throw new Error(`format of ${name} has no 'ID:' line`);
  return { name, id, fields, commonFields, printFmt };
}

/** A field as C declares it: `char prev_comm[16]`, `const char * filename`. */
export function fieldDeclaration(f: Pick<TraceField, "type" | "name" | "arrayLen">): string {
  const suffix = f.arrayLen === null ? "" : `[${f.arrayLen === 0 ? "" : f.arrayLen}]`;
  return `${f.type} ${f.name}${suffix}`;
}

/** The syscall arguments of a sys_enter_* event: its fields without `__syscall_nr`. */
export function syscallArgs(format: TraceEventFormat): TraceField[] {
  return format.fields.filter((f) => f.name !== "__syscall_nr");
}
