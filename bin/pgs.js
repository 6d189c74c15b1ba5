#!/usr/bin/env node
// Runs lib/cli.ts through ts-node, so the CLI and the Pulumi program share one source.
require("ts-node").register({ transpileOnly: true, project: require("path").join(__dirname, "..", "tsconfig.json") });
require("../lib/ops/cli")
  .main(process.argv.slice(2), { out: (l) => console.log(l), err: (l) => console.error(l) })
  .then((code) => { process.exitCode = code; })
  .catch((err) => { console.error(err && err.stack ? err.stack : err); process.exitCode = 3; });
