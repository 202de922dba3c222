// Entry point: finds the command (importing only its own descriptor), runs it, and turns
// any error into one line.

import type { Io } from "../command/command.js";
import { exitCodeFor, formatError, isExpected } from "../errors.js";
import { NOT_HERE } from "../tools/not-here.js";
import { findCommand } from "./core-commands.js";
import { versionText } from "./version.js";

/** Builds the Io for the real process, with SIGINT/SIGTERM wired to an AbortSignal. */
export function processIo(): Io {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) process.exit(128 + (sig === "SIGINT" ? 2 : 15));
    controller.abort(sig);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") controller.abort("EPIPE");
  });
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    signal: controller.signal,
    isTTY: Boolean(process.stdout.isTTY),
    columns: process.stdout.isTTY ? process.stdout.columns : 0,
  };
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const entry = name === "help" && rest[0] ? await findCommand(rest[0]) : undefined;
    // The full list (every tool's descriptor) loads only for the list itself.
    io.out(entry ? (await entry.load()).help : (await import("./top-help.js")).topHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V") {
    io.out(`${await versionText()}\n`);
    return 0;
  }
  const entry = await findCommand(name);
  if (!entry) {
    const missing = NOT_HERE.find((t) => t.name === name);
    if (missing) {
      io.err(`tsnap: ${name} is not supported here: ${missing.why} (see tsnap doctor)\n`);
      return 1;
    }
    io.err(`tsnap: unknown command '${name}' (see tsnap --help)\n`);
    return 2;
  }
  try {
    const cmd = await entry.load();
    if (rest.includes("--help") || rest.includes("-h")) {
      io.out(cmd.help);
      return 0;
    }
    return await cmd.run(rest, io);
  } catch (err) {
    io.err(`${formatError(err)}\n`);
    if (process.env.TSNAP_DEBUG) io.err(`${(err as Error)?.stack ?? ""}\n`);
    else if (!isExpected(err)) io.err("tsnap: this is a bug; run with TSNAP_DEBUG=1 for details\n");
    return exitCodeFor(err);
  }
}
