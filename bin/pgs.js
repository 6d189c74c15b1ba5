#!/usr/bin/env node
// Run by bin/pgs, the `pgs` command. Runs dist/pgs.js, the CLI bundled into one file (npm run
// build; npm ci runs it), compiled with a V8 code cache per command beside it
// (dist/pgs.js.<build>.<command>.v8cache, written by the first successful run of that command on
// each build): parsing and compiling the 1.1 MB bundle, and the functions the command runs, were a
// third of `pgs validate`'s start-up. <build> is the bundle's size and mtime, because V8 checks
// only the source's length; a cache V8 rejects (another Node.js) is rewritten; where dist/ is
// read-only, none is kept.

const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const { createRequire, wrap } = require("node:module");

// bin/pgs moved NODE_EXTRA_CA_CERTS aside so that Node did not load it (see there): the processes
// pgs starts get it back.
if (process.env.PGS_NODE_EXTRA_CA_CERTS !== undefined) {
  process.env.NODE_EXTRA_CA_CERTS = process.env.PGS_NODE_EXTRA_CA_CERTS;
  delete process.env.PGS_NODE_EXTRA_CA_CERTS;
}

const dist = path.join(__dirname, "..", "dist");
const file = path.join(dist, "pgs.js");

function load() {
  let source;
  try {
    source = fs.readFileSync(file, "utf8");
  } catch (err) {
    if (err.code !== "ENOENT") throw err;
    console.error(`pgs is not built yet: run npm ci (or npm run build) in ${path.resolve(__dirname, "..")}`);
    process.exit(1);
  }
  const { size, mtimeMs } = fs.statSync(file);
  const command = /^[a-z][a-z-]{0,30}$/.test(process.argv[2] || "") ? process.argv[2] : "pgs";
  const cacheFile = path.join(dist, `pgs.js.${size}-${Math.floor(mtimeMs)}.${command}.v8cache`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // No import() in the bundle (a unit test keeps it so): a vm.Script has no loader for one.
  const script = new vm.Script(wrap(source), { filename: file, cachedData });
  const cli = { exports: {} };
  script.runInThisContext().call(cli.exports, cli.exports, createRequire(file), cli, file, dist);
  if (cachedData === undefined || script.cachedDataRejected) process.once("exit", (code) => saveCache(script, cacheFile, code));
  return cli.exports;
}

/**
 * At exit, so that the functions this run compiled lazily are in it too; only after a success (a
 * mistyped command leaves no cache). Caches of other builds go.
 */
function saveCache(script, cacheFile, exitCode) {
  if (exitCode !== 0) return;
  const tmp = `${cacheFile}.${process.pid}`;
  const build = path.basename(cacheFile).split(".")[2];
  try {
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, cacheFile);
    for (const name of fs.readdirSync(dist)) {
      const match = /^pgs\.js\.([^.]+)\.[a-z-]+\.v8cache$/.exec(name);
      if (match && match[1] !== build) fs.rmSync(path.join(dist, name), { force: true });
    }
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

load().runCommand(process.argv.slice(2));
