// Moved to command/command.ts (the layer both cli/ and tool folders import); kept for
// command modules not yet pointed there.
export type * from "../command/command.js";
