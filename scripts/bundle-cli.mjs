/**
 * Bundles the CLI's fast path into dist/src/cli/main.js (overwriting tsc's output there), so
 * `baton list` starts in about the time of `node -e 0` plus the work itself. Agents call the
 * CLI thousands of times; resolving and compiling ~40 separate modules (commander, zod/mini,
 * the core, the SQLite store) cost ~50 ms per call here, one bundled file far less (see
 * bench/sections/cli.ts for the measured figures).
 *
 * What stays out of the bundle and loads from tsc's output only when used: every dynamic
 * import() except the SQLite store (the JSON and PostgreSQL stores, the MCP server, the demo),
 * and heavy packages (pg, the MCP SDK); better-sqlite3's native addon is loaded from its package. If esbuild is not
 * installed, tsc's unbundled main.js is kept: slower to start, same behaviour.
 */
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(root, "src");
const outfile = join(root, "dist", "src", "cli", "main.js");
const outDir = dirname(outfile);

let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  console.warn("bundle-cli: esbuild is not installed; keeping tsc's unbundled CLI (slower start)");
  process.exit(0);
}

/** Bundled on purpose although imported lazily: it is the default store, used by every verb. */
const FAST_PATH_LAZY = [join(srcDir, "store", "sqlite", "sqlite-store.ts")];

const lazyModulesStayOut = {
  name: "lazy-modules-stay-out",
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind !== "dynamic-import") return undefined;
      const source = resolve(args.resolveDir, args.path).replace(/\.js$/, ".ts");
      if (FAST_PATH_LAZY.includes(source)) return undefined;
      const compiled = join(root, "dist", relative(root, source)).replace(/\.ts$/, ".js");
      const path = relative(outDir, compiled).split(sep).join("/");
      return { path: path.startsWith(".") ? path : `./${path}`, external: true };
    });
    // better-sqlite3's JavaScript is bundled; only its native addon is loaded from disk. Its
    // `bindings` helper finds the addon by walking the stack and probing ~10 paths (~3 ms
    // here); the addon sits at a fixed place inside the package, so load it from there.
    build.onResolve({ filter: /^bindings$/ }, (args) =>
      args.importer.includes(`${sep}better-sqlite3${sep}`) ? { path: "bindings", namespace: "addon" } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "addon" }, () => ({
      contents: `
        const { dirname, join } = __batonRequire("node:path");
        module.exports = function bindings(name) {
          const root = dirname(__batonRequire.resolve("better-sqlite3/package.json"));
          try {
            return __batonRequire(join(root, "build", "Release", name));
          } catch {
            return __batonRequire("bindings")({ bindings: name, module_root: root });
          }
        };`,
      loader: "js",
    }));
  },
};

const result = await esbuild.build({
  entryPoints: [join(srcDir, "cli", "main.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  sourcemap: true,
  legalComments: "eof",
  metafile: true,
  logLevel: "warning",
  plugins: [lazyModulesStayOut],
  // commander is CommonJS and requires Node's built-ins; give the bundle a real require().
  banner: {
    js: 'import { createRequire as __batonCreateRequire } from "node:module";\nconst require = __batonCreateRequire(import.meta.url);\nconst __batonRequire = require;',
  },
});

const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
console.log(`bundle-cli: ${relative(root, outfile)} (${Math.round(bytes / 1024)} KiB)`);
