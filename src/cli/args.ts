// Moved to command/args.ts (the layer both cli/ and tool folders import); kept for
// command modules not yet pointed there.
export * from "../command/args.js";
