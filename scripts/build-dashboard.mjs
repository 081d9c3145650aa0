/**
 * Builds the web dashboard (run by `npm run build`): src/http/dashboard/ui → dist/dashboard/
 * (index.html, app.js, app.css), one minified file each, everything bundled (Preact, uPlot and
 * their CSS), so `baton serve` ships the page with no CDN: boards are often offline. The
 * page has no inline script or style, so it runs under the strict Content-Security-Policy
 * src/http/dashboard/assets.ts sends.
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ui = join(root, "src", "http", "dashboard", "ui");
const out = join(root, "dist", "dashboard");

let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  console.error("build-dashboard: esbuild is not installed (npm install); the dashboard cannot be built");
  process.exit(1);
}

mkdirSync(out, { recursive: true });
const common = { bundle: true, minify: true, legalComments: "none", logLevel: "warning", absWorkingDir: root };
await esbuild.build({
  ...common,
  entryPoints: [join(ui, "main.tsx")],
  outfile: join(out, "app.js"),
  format: "esm",
  target: "es2020",
  jsx: "automatic",
  jsxImportSource: "preact",
  tsconfig: join(ui, "tsconfig.json"),
});
await esbuild.build({ ...common, entryPoints: [join(ui, "styles.css")], outfile: join(out, "app.css") });
copyFileSync(join(ui, "index.html"), join(out, "index.html"));
