#!/usr/bin/env node
// Installed entry point; the compiled CLI lives in dist/ (built by scripts/setup.sh).
import { main, processIo } from "../dist/src/cli/main.js";

process.exitCode = await main(process.argv.slice(2), processIo());
