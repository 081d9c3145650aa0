#!/usr/bin/env node
/**
 * The `baton` executable as installed by `npm run build` (scripts/bundle-cli.mjs copies this
 * file to dist/src/cli/main.js). It runs the bundled CLI (baton.cjs) from V8's code cache
 * (baton.cjs.cache): compiling the bundle's functions again on every call cost ~15 ms of a
 * ~40 ms start here, and agents call the CLI thousands of times. A missing or stale cache
 * (another Node version) only costs that time once: the cache is rewritten at exit.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import vm from "node:vm";

const bundleUrl = new URL("./baton.cjs", import.meta.url);
const bundlePath = decodeURIComponent(bundleUrl.pathname);
const cachePath = `${bundlePath}.cache`;
// Keep in step with scripts/bundle-cli.mjs, which produces the cache from the same text.
const source = `(function (require, module, exports, __batonUrl, __batonImport) {${readFileSync(bundlePath, "utf8")}\n})`;

let cachedData;
try {
  cachedData = readFileSync(cachePath);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(source, { filename: bundlePath, cachedData });
if (cachedData === undefined || script.cachedDataRejected) {
  process.once("exit", () => {
    try {
      const temp = `${cachePath}.${process.pid}.tmp`;
      writeFileSync(temp, script.createCachedData());
      renameSync(temp, cachePath);
    } catch {
      // A read-only install keeps working, just without the cache.
    }
  });
}
const module = { exports: {} };
// The JSON and PostgreSQL stores, the MCP server and the demo load from the compiled tree.
const lazyImport = (specifier) => import(new URL(specifier, bundleUrl).href);
script.runInThisContext()(createRequire(bundlePath), module, module.exports, bundleUrl.href, lazyImport);
const { runCli } = module.exports;

// `baton watch | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2));
