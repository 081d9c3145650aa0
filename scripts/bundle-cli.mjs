/**
 * Builds the CLI's fast path (run by `npm run build`, after tsc):
 * - dist/src/cli/baton.cjs: the verbs' code path (commander, zod/mini, the core, the SQLite
 *   store, better-sqlite3's JavaScript) bundled into one file. Resolving and loading ~60
 *   separate modules cost ~100 ms per call here; one file far less.
 * - dist/src/cli/baton.cjs.cache: V8's code cache for it, produced by running common verbs
 *   on a throw-away board, so a call does not compile the same functions again (~15 ms).
 * - dist/src/cli/main.js: the loader (scripts/cli-loader.mjs), replacing tsc's main.js.
 * bench/sections/cli.ts measures the result against bare `node -e 0`.
 *
 * What stays out of the bundle and loads from tsc's output only when used: every dynamic
 * import() except the SQLite store (the JSON and PostgreSQL stores, the MCP server, the demo),
 * and with them pg and the MCP SDK. If esbuild is not installed, tsc's unbundled main.js is
 * kept: slower to start, same behaviour.
 */
import { copyFileSync, chmodSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import vm from "node:vm";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(root, "src");
const outDir = join(root, "dist", "src", "cli");
const bundle = join(outDir, "baton.cjs");

let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  console.warn("bundle-cli: esbuild is not installed; keeping tsc's unbundled CLI (slower start)");
  process.exit(0);
}

/**
 * Bundled on purpose although imported lazily: esbuild runs a bundled module that is only
 * import()ed when the import() runs, so a verb evaluates its own code and not the other verbs'.
 * - the SQLite store: the default store, used by every verb;
 * - lock-run: `baton lock`, which scripts call once per guarded write (loading its 8 modules
 *   from the compiled tree cost ~20 ms of CPU per call here);
 * - each verb group's commands (src/cli/program.ts VERB_GROUPS) and the board's rare operations
 *   (src/board.ts: rotation, import/export/inbox, health, backup) with the archive reader
 *   (src/store/archived-events.ts): evaluating all of them, with node:crypto, node:readline
 *   and node:os, on every call cost `baton list` ~4 ms of CPU and `baton --version` ~17 ms.
 */
const FAST_PATH_LAZY = [
  join(srcDir, "store", "sqlite", "sqlite-store.ts"),
  join(srcDir, "cli", "lock-run.ts"),
  ...["audit-rotate", "import-export", "health", "backup"].map((name) => join(srcDir, "board", `${name}.ts`)),
  join(srcDir, "store", "archive-file.ts"),
];
const PROGRAM = join(srcDir, "cli", "program.ts");
/** A verb group's commands are what program.ts import()s; what those import() stays out. */
const bundledLazily = (source, importer) => FAST_PATH_LAZY.includes(source) || importer === PROGRAM;

/** The specifiers of the lazy modules left out, to be loaded through the loader's import(). */
const lazySpecifiers = new Set();

const lazyModulesStayOut = {
  name: "lazy-modules-stay-out",
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind !== "dynamic-import") return undefined;
      const source = resolve(args.resolveDir, args.path).replace(/\.js$/, ".ts");
      if (bundledLazily(source, args.importer)) return undefined;
      const compiled = join(root, "dist", relative(root, source)).replace(/\.ts$/, ".js");
      const relativePath = relative(outDir, compiled).split(sep).join("/");
      const path = relativePath.startsWith(".") ? relativePath : `./${relativePath}`;
      lazySpecifiers.add(path);
      return { path, external: true };
    });
    // better-sqlite3's `bindings` helper finds the native addon by walking the stack and
    // probing ~10 paths (~3 ms); the addon sits at a fixed place in the package.
    build.onResolve({ filter: /^bindings$/ }, (args) =>
      args.importer.includes(`${sep}better-sqlite3${sep}`) ? { path: "bindings", namespace: "addon" } : undefined,
    );
    // Whatever that shim requires is resolved by Node at run time, not bundled.
    build.onResolve({ filter: /.*/, namespace: "addon" }, () => ({ external: true }));
    build.onLoad({ filter: /.*/, namespace: "addon" }, () => ({
      contents: `
        const { dirname, join } = require("node:path");
        module.exports = function bindings(name) {
          const root = dirname(require.resolve("better-sqlite3/package.json"));
          try {
            return require(join(root, "build", "Release", name));
          } catch {
            return require("bindings")({ bindings: name, module_root: root });
          }
        };`,
      loader: "js",
    }));
  },
};

const result = await esbuild.build({
  entryPoints: [join(srcDir, "cli", "program.ts")],
  outfile: bundle,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  minify: true,
  sourcemap: true,
  legalComments: "eof",
  metafile: true,
  logLevel: "warning",
  // The loader passes the bundle's own URL in (a CommonJS bundle has no import.meta).
  define: { "import.meta.url": "__batonUrl" },
  plugins: [lazyModulesStayOut],
});

routeLazyImportsThroughLoader();
const loader = join(outDir, "main.js");
copyFileSync(join(root, "scripts", "cli-loader.mjs"), `${loader}.tmp`);
chmodSync(`${loader}.tmp`, 0o755);
renameSync(`${loader}.tmp`, loader);
await writeCodeCache();

const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
console.log(`bundle-cli: ${relative(root, bundle)} (${Math.round(bytes / 1024)} KiB) + code cache; ${relative(root, loader)} loads it`);

/**
 * The bundle runs as a vm.Script (for the code cache), where a bare import() needs
 * --experimental-vm-modules; so each lazy import("…") calls the loader's __batonImport("…"),
 * a real import() in an ES module, instead.
 */
function routeLazyImportsThroughLoader() {
  let code = readFileSync(bundle, "utf8");
  for (const specifier of lazySpecifiers) {
    code = code.split(`import(${JSON.stringify(specifier)})`).join(`__batonImport(${JSON.stringify(specifier)})`);
  }
  const left = code.match(/\bimport\([^)]*\)/g);
  if (left) throw new Error(`bundle-cli: import() left in the bundle, it would fail at run time: ${left.join(", ")}`);
  writeFileSync(bundle, code);
}

/**
 * Runs the verbs agents call most on a throw-away board inside this process, then saves the
 * code V8 compiled for them. The wrapper text must match scripts/cli-loader.mjs exactly, or V8
 * rejects the cache (then the CLI still works and rewrites the cache on its first call).
 */
async function writeCodeCache() {
  const bundleUrl = pathToFileURL(bundle);
  const source = `(function (require, module, exports, __batonUrl, __batonImport) {${readFileSync(bundle, "utf8")}\n})`;
  const script = new vm.Script(source, { filename: bundle });
  const module = { exports: {} };
  const lazyImport = (specifier) => import(new URL(specifier, bundleUrl).href);
  script.runInThisContext()(createRequire(bundle), module, module.exports, bundleUrl.href, lazyImport);
  const board = mkdtempSync(join(tmpdir(), "baton-bundle-"));
  const cwd = process.cwd();
  const [out, err] = [process.stdout.write, process.stderr.write];
  process.chdir(board);
  process.stdout.write = process.stderr.write = () => true;
  try {
    const runs = [
      ["init"],
      ["add", "warm-up", "--priority", "high"],
      ["add", "second", "--after", "T-1", "--json"],
      ["list"],
      ["list", "--json"],
      ["ready", "--agent", "a"],
      ["claim", "--agent", "a", "--json"],
      ["heartbeat", "T-1", "--token", "1", "--note", "n"],
      ["show", "T-1", "--json"],
      ["done", "T-1", "--token", "1", "--json"],
      ["claim", "--agent", "a"],
      ["fail", "T-2", "--agent", "a", "--error", "e"],
      ["claim", "--agent", "a", "--json"],
      ["audit", "--json"],
      ["reserve", "SEC", "2"],
      ["show", "nope/"],
      ["lock", join(board, "state.json"), "--status"],
    ];
    for (const argv of runs) await module.exports.runCli(argv);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.chdir(cwd);
    rmSync(board, { recursive: true, force: true });
    process.exitCode = 0;
  }
  writeFileSync(`${bundle}.cache.tmp`, script.createCachedData());
  renameSync(`${bundle}.cache.tmp`, `${bundle}.cache`);
}
