/**
 * The dashboard's built files (dist/dashboard/, made by scripts/build-dashboard.mjs), read
 * once when the server starts and served from memory with a strong ETag by src/http/app.ts,
 * under its strict Content-Security-Policy (the page has no inline script or style).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { StaticAsset } from "../app.js";

const FILES: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
};

/** dist/src/http/dashboard/assets.js → dist/dashboard/ */
const BUILT = fileURLToPath(new URL("../../../dashboard/", import.meta.url));

/** The assets by file name, or null when the dashboard was not built (the API still works). */
export function loadDashboardAssets(dir: string = BUILT): ReadonlyMap<string, StaticAsset> | null {
  if (!existsSync(join(dir, "index.html"))) return null;
  const assets = new Map<string, StaticAsset>();
  for (const [name, contentType] of Object.entries(FILES)) {
    const body = readFileSync(join(dir, name));
    assets.set(name, { body, contentType, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 16)}"` });
  }
  return assets;
}
