// Command-line parsing, the one import of every command: a command declares its flags as
// `Flag`s (names, --help line, value check: one definition each; the ones several commands
// share are in flags.ts); `parseFlags` gives typed values and `flagHelp` the OPTIONS lines
// of --help from the same declarations; every failure is a UsageError (one line, exit 2).
// The parts, one job each:
//   argv-parse.ts    node:util parseArgs, its errors in a user's words
//   flag-values.ts   the check of one raw value (number, choice, list, regex)
//   flag-declare.ts  the Flag declaration and its constructors (switchFlag, decimalFlag, ...)
//   flag-parse.ts    argv against declared flags (parseFlags), the option-spec probe
//   flag-help.ts     the --help OPTIONS lines (flagHelp)
export * from "./argv-parse.js";
export * from "./flag-declare.js";
export * from "./flag-help.js";
export * from "./flag-parse.js";
export * from "./flag-values.js";
