/**
 * Disk faults, as root (CI runs as root; elsewhere the scenario is skipped with the reason): a
 * small tmpfs mounted by the suite (one per fault) holds the board, and the agents run as `nobody` (root
 * ignores permission bits). Three faults, each on a fresh board on that tmpfs:
 *  - the disk filled up: each write exits 0 and is kept, or exits 1 with STORE_UNAVAILABLE
 *    naming the full disk and saved nothing; the board reads while full and works once freed;
 *  - the file system remounted read-only: writes refused as STORE_UNAVAILABLE, nothing saved,
 *    writes work again once it is remounted read-write;
 *  - the board directory and its files made read-only under a running agent
 *    (test/workers/disk-agent.ts) for 200 of its adds, on a 4 MiB tmpfs its WAL once filled:
 *    whatever it was told is kept, refusals are STORE_UNAVAILABLE, and it carries on once the
 *    permissions are back.
 * Each tmpfs is unmounted in a finally, always.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { repoRoot, workerScript } from "../../test/support/processes.js";
import { outcome } from "./figures.js";
import { readBack } from "./read-back.js";
import type { Invariant, ScenarioOutcome } from "./figures.js";

export type DiskStore = "sqlite" | "json";
const NOBODY = { uid: 65534, gid: 65534 };
const SEEDS = 5;
/** Adds the agent attempts while its board directory is read-only (see permissionsUnderAgent). */
const READ_ONLY_OPERATIONS = 200;

interface CliRun {
  code: number | null;
  error: { code: string; message: string } | null;
  stderr: string;
}

/** How many adds the full disk is given back space for, and how much before each. */
export interface DiskFaultSizes {
  fullDiskSteps: number;
  stepBytes: number;
}
/** `npm run chaos -- disk`: every level of free space from none to enough, 2 KiB at a time. */
export const FULL_SIZE: DiskFaultSizes = { fullDiskSteps: 40, stepBytes: 2048 };

/** The tmpfs mounts not yet unmounted, for `unmountAll` (a test's afterAll) should a run be cut short. */
const mounted = new Set<string>();
/** This run's directories outside the tmpfs (the CLI's working directories, the agent's log), removed at its end. */
let scratch: string | undefined;

function scratchDir(prefix: string): string {
  if (scratch === undefined) {
    scratch = mkdtempSync(join(tmpdir(), "baton-chaos-disk-scratch-"));
    chmodSync(scratch, 0o755); // nobody goes through it to its own directories
  }
  const dir = mkdtempSync(join(scratch, prefix));
  chownSync(dir, NOBODY.uid, NOBODY.gid);
  return dir;
}

/** A directory of nobody's outside the tmpfs for the CLI to run in (`baton init` records its store there). */
let cliHome: string | undefined;
function cliCwd(): string {
  cliHome ??= scratchDir("cwd-");
  return cliHome;
}

/**
 * One CLI run as nobody. Spawned asynchronously: a test's worker (test/chaos/chaos-disk.test.ts)
 * must keep answering vitest while dozens of runs go by on a loaded machine.
 */
async function cli(args: string[], store: string): Promise<CliRun> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("BATON_")));
  const cliPath = join(repoRoot(), "dist", "src", "cli", "main.js");
  const child = spawn(process.execPath, [cliPath, ...args, "--store", store, "--json"], { env, cwd: cliCwd(), stdio: ["ignore", "ignore", "pipe"], timeout: 60_000, ...NOBODY });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const code = await new Promise<number | null>((resolve) => child.on("close", (status) => resolve(status)));
  let error = null;
  try {
    error = (JSON.parse(stderr) as { error: { code: string; message: string } }).error ?? null;
  } catch {
    error = null;
  }
  return { code, error, stderr };
}

/** A fresh board directory on the tmpfs, owned by nobody, with SEEDS tasks added through the CLI. */
async function boardOn(mountPoint: string, name: string, store: DiskStore): Promise<{ dir: string; url: string }> {
  const dir = join(mountPoint, name);
  mkdirSync(dir);
  chownSync(dir, NOBODY.uid, NOBODY.gid);
  const url = store === "sqlite" ? `sqlite:${join(dir, "board.db")}` : `json:${join(dir, "tasks.json")}`;
  // Each board gets its own working directory: `init` records the store in ./.baton/.
  cliHome = undefined;
  const init = await cli(["init"], url);
  if (init.code !== 0) throw new Error(`baton init on the tmpfs failed: ${init.stderr}`);
  for (let i = 0; i < SEEDS; i++) {
    const add = await cli(["add", `seed ${i}`], url);
    if (add.code !== 0) throw new Error(`baton add on the tmpfs failed: ${add.stderr}`);
  }
  return { dir, url };
}

/** What a refused write must look like: exit 1, STORE_UNAVAILABLE, the message naming the fault. */
function clearRefusal(run: CliRun, names: RegExp): boolean {
  return run.code === 1 && run.error?.code === "STORE_UNAVAILABLE" && names.test(run.error.message);
}

interface Part {
  figures: [string, number][];
  invariants: Invariant[];
}

/** The board read back as root: tasks other than `expected` titles are refused writes that were saved anyway. */
async function keptExactly(url: string, expected: readonly string[], label: string): Promise<Invariant[]> {
  const back = await readBack(url);
  const titles = new Set(back.tasks.map((t) => t.title));
  return [
    { name: `${label}: board unreadable afterwards`, value: back.readable ? 0 : 1, must: 0 },
    { name: `${label}: acknowledged writes lost`, value: expected.filter((t) => !titles.has(t)).length, must: 0 },
    { name: `${label}: refused writes saved anyway`, value: back.tasks.filter((t) => !expected.includes(t.title)).length, must: 0 },
    { name: `${label}: replay ≠ stored task`, value: back.replayMismatches, must: 0 },
    { name: `${label}: CREATED events ≠ tasks`, value: Math.abs(back.events.filter((e) => e.type === "CREATED").length - back.tasks.length), must: 0 },
  ];
}

async function fullDisk(store: DiskStore, mountPoint: string, sizes: DiskFaultSizes): Promise<Part> {
  const { dir, url } = await boardOn(mountPoint, "full", store);
  const filler = join(mountPoint, "filler");
  const fd = openSync(filler, "w");
  try {
    for (const chunk = Buffer.alloc(4096, 1); ; ) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
  const full = statSync(filler).size;
  const readableWhileFull = (await cli(["list"], url)).code === 0 ? 1 : 0;
  const answered = Array.from({ length: SEEDS }, (_, i) => `seed ${i}`);
  let refused = 0;
  const unclear: string[] = [];
  // Give back a little more before each add: every level of free space from none to enough.
  for (let i = 0; i < sizes.fullDiskSteps; i++) {
    truncateSync(filler, Math.max(0, full - i * sizes.stepBytes));
    const add = await cli(["add", `full ${i}`], url);
    if (add.code === 0) answered.push(`full ${i}`);
    else if (clearRefusal(add, new RegExp(`disk holding ${dir}.* is full`))) refused++;
    else unclear.push(`exit ${add.code}: ${add.error?.message ?? add.stderr}`);
  }
  for (const u of unclear.slice(0, 3)) process.stderr.write(`disk full, unclear refusal: ${u}\n`);
  rmSync(filler);
  const after = await cli(["add", "after the disk was freed"], url);
  if (after.code === 0) answered.push("after the disk was freed");
  return {
    figures: [
      ["full disk: adds answered 0 as space came back", answered.length - SEEDS - (after.code === 0 ? 1 : 0)],
      ["full disk: adds refused (exit 1, STORE_UNAVAILABLE naming the disk)", refused],
    ],
    invariants: [
      { name: "full disk: runs where the full disk refused nothing", value: refused === 0 ? 1 : 0, must: 0 },
      { name: "full disk: refusals not exit 1 + STORE_UNAVAILABLE naming the full disk", value: unclear.length, must: 0 },
      { name: "full disk: board unreadable while full", value: 1 - readableWhileFull, must: 0 },
      { name: "full disk: writes refused once space was freed", value: after.code === 0 ? 0 : 1, must: 0 },
      ...(await keptExactly(url, answered, "full disk")),
    ],
  };
}

async function readOnlyRemount(store: DiskStore, mountPoint: string): Promise<Part> {
  const { url } = await boardOn(mountPoint, "read-only", store);
  const kept = Array.from({ length: SEEDS }, (_, i) => `seed ${i}`);
  const remount = (mode: "ro" | "rw"): void => {
    const r = spawnSync("mount", ["-o", `remount,${mode}`, mountPoint], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`mount -o remount,${mode} ${mountPoint} failed: ${r.stderr}`);
  };
  remount("ro");
  let refusals: CliRun[];
  let readableWhileReadOnly: number;
  try {
    refusals = [await cli(["add", "while read-only"], url), await cli(["claim", "--agent", "ro-agent"], url)];
    readableWhileReadOnly = (await cli(["list"], url)).code === 0 ? 1 : 0;
  } finally {
    remount("rw");
  }
  for (const r of refusals.filter((r) => !clearRefusal(r, /read-?only/i))) process.stderr.write(`read-only, unclear refusal: exit ${r.code}: ${r.stderr}\n`);
  const after = await cli(["add", "after the remount"], url);
  if (after.code === 0) kept.push("after the remount");
  return {
    figures: [["read-only: board readable while read-only (1 = yes)", readableWhileReadOnly]],
    invariants: [
      { name: "read-only: writes not refused as exit 1 + STORE_UNAVAILABLE naming read-only", value: refusals.filter((r) => !clearRefusal(r, /read-?only/i)).length, must: 0 },
      { name: "read-only: writes refused once remounted read-write", value: after.code === 0 ? 0 : 1, must: 0 },
      ...(await keptExactly(url, kept, "read-only")),
    ],
  };
}

function logLines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : [];
}

/** Polls `check` until it holds (true) or the deadline passes (false): generous, never a timing figure. */
async function until(check: () => boolean, deadlineMs = 120_000): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

function setModes(dir: string, dirMode: number, fileMode: number): void {
  chmodSync(dir, dirMode);
  for (const name of readdirSync(dir)) {
    try {
      chmodSync(join(dir, name), fileMode);
    } catch (error) {
      // The running agent's temp file may be renamed away between the listing and the chmod.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
}

async function permissionsUnderAgent(store: DiskStore, mountPoint: string): Promise<Part> {
  const { dir, url } = await boardOn(mountPoint, "permissions", store);
  const work = scratchDir("agent-");
  const log = join(work, "log");
  const stopFile = join(work, "stop");
  const child = spawn(process.execPath, [workerScript("disk-agent"), JSON.stringify({ url, log, stopFile })], { stdio: ["ignore", "pipe", "pipe"], ...NOBODY });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const acks = (from = 0): number => logLines(log).slice(from).filter((l) => l.startsWith("ack ")).length;
  let atChange = 0;
  let atRestore = 0;
  let carriedOn = false;
  try {
    if (!(await until(() => acks() >= 20 || child.exitCode !== null))) throw new Error("disk faults: the agent made no 20 adds in 120 s");
    atChange = logLines(log).length;
    setModes(dir, 0o555, 0o444);
    try {
      // Long enough for the WAL of an agent writing through its open files to outgrow the
      // tmpfs (~36 KB per add): what once filled the disk and kept it full (disk-space.ts).
      await until(() => logLines(log).length >= atChange + READ_ONLY_OPERATIONS || child.exitCode !== null);
    } finally {
      atRestore = logLines(log).length;
      setModes(dir, 0o755, 0o644);
    }
    carriedOn = await until(() => acks(atRestore) >= 20 || child.exitCode !== null);
    carriedOn &&= acks(atRestore) >= 20;
  } finally {
    writeFileSync(stopFile, "");
    await Promise.race([exited, sleep(60_000).then(() => child.kill("SIGKILL"))]);
  }
  const code = await exited;
  if (code !== 0) process.stderr.write(`disk agent failed (exit ${code}): ${stderr}\n`);
  const lines = logLines(log);
  const during = lines.slice(atChange, atRestore);
  const refusals = lines.filter((l) => l.startsWith("refused "));
  const unclear = refusals.filter((l) => !/^refused STORE_UNAVAILABLE .*(permission denied|not writable|readonly|read-only)/i.test(l));
  for (const u of unclear.slice(0, 3)) process.stderr.write(`permissions, unclear refusal: ${u}\n`);
  const ackedIds = lines.filter((l) => l.startsWith("ack ")).map((l) => l.slice(4));
  const back = await readBack(url);
  const ids = new Set(back.tasks.map((t) => t.id));
  rmSync(work, { recursive: true, force: true });
  return {
    figures: [
      ["permissions: adds accepted while read-only (through handles opened before)", during.filter((l) => l.startsWith("ack ")).length],
      ["permissions: adds refused while read-only", during.filter((l) => l.startsWith("refused ")).length],
      ["permissions: adds acknowledged in all", ackedIds.length],
    ],
    invariants: [
      { name: "permissions: agent failed", value: code === 0 ? 0 : 1, must: 0 },
      { name: "permissions: refusals not STORE_UNAVAILABLE naming the permissions", value: unclear.length, must: 0 },
      { name: "permissions: agent stuck once permissions were back", value: carriedOn ? 0 : 1, must: 0 },
      { name: "permissions: board unreadable afterwards", value: back.readable ? 0 : 1, must: 0 },
      { name: "permissions: acknowledged adds lost", value: ackedIds.filter((id) => !ids.has(id)).length, must: 0 },
      { name: "permissions: tasks on the board ≠ seeds + acknowledged", value: Math.abs(back.tasks.length - SEEDS - ackedIds.length), must: 0 },
      { name: "permissions: replay ≠ stored task", value: back.replayMismatches, must: 0 },
    ],
  };
}

/** A fresh tmpfs of `size` for `use`, unmounted in a finally, always; a string (the reason) when it cannot mount. */
async function onTmpfs(size: string, use: (mountPoint: string) => Promise<Part>): Promise<Part | string> {
  const mountPoint = mkdtempSync(join(tmpdir(), "baton-chaos-disk-"));
  const mount = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0777`, "tmpfs", mountPoint], { encoding: "utf8" });
  if (mount.status !== 0) {
    rmSync(mountPoint, { recursive: true, force: true });
    return `disk faults skipped: cannot mount a tmpfs here (${mount.stderr.trim() || `exit ${mount.status}`})`;
  }
  mounted.add(mountPoint);
  try {
    return await use(mountPoint);
  } finally {
    unmount(mountPoint);
  }
}

function unmount(mountPoint: string): void {
  if (spawnSync("umount", [mountPoint]).status !== 0) spawnSync("umount", ["-l", mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
  mounted.delete(mountPoint);
}

/** Unmounts every tmpfs of this process still mounted and removes its scratch directories. */
export function unmountAll(): void {
  for (const mountPoint of [...mounted]) unmount(mountPoint);
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
  cliHome = undefined;
}

/** Why disk faults cannot run here (not root, no tmpfs), or null when they can. */
export function diskFaultsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "disk faults skipped: mounting a tmpfs and running agents as nobody need root (CI runs as root)";
  const mountPoint = mkdtempSync(join(tmpdir(), "baton-chaos-disk-probe-"));
  const mount = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint], { encoding: "utf8" });
  if (mount.status === 0) spawnSync("umount", [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
  return mount.status === 0 ? null : `disk faults skipped: cannot mount a tmpfs here (${mount.stderr.trim() || `exit ${mount.status}`})`;
}

/** The three disk faults on one store, each on its own tmpfs; a string (the reason) when this machine cannot mount. */
export async function diskFaults(store: DiskStore, sizes: DiskFaultSizes = FULL_SIZE): Promise<ScenarioOutcome | string> {
  const unavailable = diskFaultsUnavailable();
  if (unavailable !== null) return unavailable;
  const parts: Part[] = [];
  const faults = [
    ["2m", (m: string) => fullDisk(store, m, sizes)],
    ["16m", (m: string) => readOnlyRemount(store, m)],
    ["4m", (m: string) => permissionsUnderAgent(store, m)],
  ] as const;
  try {
    for (const [size, part] of faults) {
      const result = await onTmpfs(size, part);
      if (typeof result === "string") return result;
      parts.push(result);
    }
  } finally {
    unmountAll();
  }
  return outcome(
    `${store}: disk faults (a full 2 MiB tmpfs, remounted read-only, permissions changed under a running agent on 4 MiB)`,
    parts.flatMap((p) => p.figures),
    parts.flatMap((p) => p.invariants),
  );
}
