#!/usr/bin/env node
// The `pgs` command: the compiled CLI (npm run build writes dist/, npm ci runs it).
let cli;
try {
  cli = require("../dist/lib/cli/main");
} catch (err) {
  if (err && err.code === "MODULE_NOT_FOUND") {
    console.error("pgs is not built yet: run npm ci (or npm run build) in " + require("path").resolve(__dirname, ".."));
    process.exit(1);
  }
  throw err;
}
cli.main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
