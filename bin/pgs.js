#!/usr/bin/env node
// The `pgs` command: dist/pgs.js, the CLI bundled into one file (npm run build; npm ci runs it).
let cli;
try {
  cli = require("../dist/pgs");
} catch (err) {
  if (err && err.code === "MODULE_NOT_FOUND" && /dist[\\/]pgs/.test(err.message)) {
    console.error("pgs is not built yet: run npm ci (or npm run build) in " + require("path").resolve(__dirname, ".."));
    process.exit(1);
  }
  throw err;
}
cli.runCommand(process.argv.slice(2));
