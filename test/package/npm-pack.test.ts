/**
 * What a user installs works: `npm pack` the package (the files package.json's `files` lets
 * in), install the tarball into a fresh project, and run `baton --version`, `init`, `add`,
 * `claim` and an `import { openBoard } from "baton-board"` script there.
 *
 * The install is offline (tests use loopback only): `npm install --offline <tarball>` when the
 * npm cache holds every dependency. When it does not (ENOTCACHED), the tarball is unpacked
 * where npm would put it (node_modules/baton-board, its bin linked in node_modules/.bin) and
 * its declared dependencies are linked from this checkout's node_modules — the package's own
 * files are still exactly the tarball's, which is what this test is about.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";

const repo = process.cwd();
const work = mkdtempSync(join(tmpdir(), "baton-pack-"));
const project = join(work, "project");
const manifest = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
};
let installedBy = "";
/** The tarball's paths, as `npm pack --json` lists them. */
let packedPaths: string[] = [];
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  // dist/ is already built (the test run builds first); --ignore-scripts skips `prepare`.
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], { cwd: repo, encoding: "utf8" }),
  ) as { filename: string; files: { path: string }[] }[];
  packedPaths = (packed[0] as { files: { path: string }[] }).files.map((f) => f.path);
  const tarball = join(work, (packed[0] as { filename: string }).filename);
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "try-baton", version: "1.0.0", type: "module", private: true }));
  const install = spawnSync("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], { cwd: project, encoding: "utf8" });
  if (install.status === 0) {
    installedBy = "npm install --offline";
    return;
  }
  expect(install.stderr).toMatch(/ENOTCACHED/);
  const target = join(project, "node_modules", manifest.name);
  mkdirSync(target, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", target, "--strip-components=1"]);
  for (const dep of Object.keys(manifest.dependencies)) {
    const link = join(project, "node_modules", dep);
    mkdirSync(resolve(link, ".."), { recursive: true });
    symlinkSync(join(repo, "node_modules", dep), link, "dir");
  }
  const bin = join(project, "node_modules", ".bin");
  mkdirSync(bin, { recursive: true });
  const main = join(target, "dist", "src", "cli", "main.js");
  chmodSync(main, 0o755);
  symlinkSync(main, join(bin, "baton"));
  installedBy = "tarball unpacked, dependencies linked (npm cache lacks them)";
}, 180_000);

function run(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, {
    cwd: project,
    encoding: "utf8",
    env: { ...process.env, PATH: `${join(project, "node_modules", ".bin")}:${process.env.PATH}`, BATON_STORE: "", BATON_AGENT: "" },
  });
  expect(result.stderr, `${command} ${args.join(" ")}`).toBe("");
  expect(result.status).toBe(0);
  return result.stdout;
}

it("the packed package installs and runs: baton --version, init, add, claim, and the library import", () => {
  console.info(`installed by: ${installedBy}`);
  expect(run("baton", ["--version"]).trim()).toBe(manifest.version);
  run("baton", ["init"]);
  expect(JSON.parse(run("baton", ["add", "ship it", "--json"]))).toMatchObject({ id: "T-1", status: "pending" });
  expect(JSON.parse(run("baton", ["claim", "--agent", "a1", "--json"]))).toMatchObject({ id: "T-1", assigned_to: "a1" });
  writeFileSync(
    join(project, "use.mjs"),
    [
      `import { openBoard } from "${manifest.name}";`,
      `const board = await openBoard("sqlite:.baton/board.db", { create: false });`,
      `const task = await board.get("T-1");`,
      `await board.complete(task.id, { agent: "a1", result: "from the library" });`,
      `console.log(JSON.stringify((await board.get("T-1")).status));`,
      `await board.close();`,
    ].join("\n"),
  );
  expect(run("node", ["use.mjs"]).trim()).toBe('"completed"');
}, 120_000);

it("the tarball holds what a user runs (the compiled library and CLI, the dashboard, README, LICENSE, docs), not the tests, benchmarks or source maps", () => {
  for (const needed of [
    "package.json",
    "README.md",
    "LICENSE",
    "docs/cli.md",
    "dist/src/index.js",
    "dist/src/index.d.ts",
    "dist/src/cli/main.js",
    "dist/src/cli/baton.cjs",
    "dist/src/cli/baton.cjs.cache",
    "dist/src/webhooks/index.js",
    "dist/dashboard/index.html",
    "dist/dashboard/app.js",
    "dist/dashboard/app.css",
  ]) {
    expect(packedPaths, needed).toContain(needed);
  }
  const extra = packedPaths.filter((path) => !/^(package\.json|README\.md|LICENSE|docs\/[^/]+\.md|dist\/src\/.+|dist\/dashboard\/.+)$/.test(path));
  expect(extra).toEqual([]);
  expect(packedPaths.filter((path) => path.endsWith(".map"))).toEqual([]);
});
