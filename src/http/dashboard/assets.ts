/**
 * The dashboard's built files (dist/dashboard/, made by scripts/build-dashboard.mjs), read
 * once when the server starts and served from memory with a strong ETag. Their headers carry
 * the strict Content-Security-Policy the page is written for: no inline script or style, no
 * other origin, no framing.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export interface DashboardAsset {
  body: Uint8Array;
  contentType: string;
  etag: string;
}

const FILES: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
};

/** dist/src/http/dashboard/assets.js → dist/dashboard/ */
const BUILT = fileURLToPath(new URL("../../../dashboard/", import.meta.url));

/** The assets by file name, or null when the dashboard was not built (the API still works). */
export function loadDashboardAssets(dir: string = BUILT): ReadonlyMap<string, DashboardAsset> | null {
  if (!existsSync(`${dir}/index.html`)) return null;
  const assets = new Map<string, DashboardAsset>();
  for (const [name, contentType] of Object.entries(FILES)) {
    const body = readFileSync(`${dir}/${name}`);
    assets.set(name, { body, contentType, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 16)}"` });
  }
  return assets;
}

/** Headers every dashboard response carries. */
export function assetHeaders(asset: DashboardAsset): Record<string, string> {
  return {
    "content-type": asset.contentType,
    etag: asset.etag,
    "cache-control": "no-cache",
    "content-security-policy": DASHBOARD_CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
  };
}
