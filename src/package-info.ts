/**
 * The package's own version, read from its package.json: `baton --version` and the MCP
 * server's `serverInfo` report the same number, and a release changes it in one place.
 *
 * Found by walking up from this module: tsc's output (dist/src/) and the CLI bundle
 * (dist/src/cli/baton.cjs) sit at different depths below the package root.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_NAME = "baton-board";

let cached: string | undefined;

export function packageVersion(): string {
  if (cached !== undefined) return cached;
  cached = "unknown";
  try {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (let depth = 0; depth < 6; depth++) {
      const manifest = readManifest(join(dir, "package.json"));
      if (manifest?.name === PACKAGE_NAME && typeof manifest.version === "string") {
        cached = manifest.version;
        break;
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  } catch {
    // A module URL that is not a file (never in practice): the version stays "unknown".
  }
  return cached;
}

function readManifest(path: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as { name?: unknown; version?: unknown };
  } catch {
    return undefined;
  }
}
