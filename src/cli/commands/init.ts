/**
 * `baton init`: a board in `.baton/` here. The default store is `.baton/board.db` (SQLite);
 * `--store` (or `BATON_STORE`) records another in `.baton/config.json`, and policy flags record the board's rules
 * there. Running it again is harmless: it reopens the board and merges new policy flags.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BatonError, ErrorCode, invalidInput } from "../../core/errors.js";
import { policySchema } from "../../core/policy.js";
import { parseInput } from "../../core/validation.js";
import { openBoard } from "../../open-board.js";
import { withConfigLock, writeConfig } from "../config-file.js";
import { BATON_DIR, DEFAULT_DB, absoluteStoreUrl, configPath, connectionUrl, defaultStoreUrl, readConfig } from "../discovery.js";
import { storeUrlPassword, storeUrlWithoutPassword } from "../../store/open.js";
import { decimal, durationSeconds, list, wholeNumber } from "../options.js";
import { printable } from "../escape.js";
import { isSystemError, storeError } from "../../store/json/regular-files.js";
import { action, verb } from "../verb.js";
import type { BoardPolicyInput } from "../../core/policy.js";
import type { VerbOptions } from "../verb.js";
import type { Command } from "commander";

export function registerInit(program: Command): void {
  verb(program, "init", "create a board in .baton/ here (default store: .baton/board.db, SQLite)")
    .option("--lease <duration>", "default lease of a claim (board policy leaseSeconds; default 15m)")
    .option("--max-attempts <n>", "attempts before a task is dead (default 3)")
    .option("--retry-base <duration>", "first retry delay after a failure (default 5m)")
    .option("--retry-multiplier <x>", "each further retry waits this many times longer (default 2)")
    .option("--prefix <prefix>", "prefix of new task ids (default T)")
    .option("--allowed-prefixes <list>", "only these prefixes may be reserved or minted, comma-separated")
    .option("--password-env <name>", "PostgreSQL: read the password from this variable (it is never saved)")
    .action(
      action(async (ctx, _args, o) => {
        const root = ctx.cwd;
        const dir = join(root, BATON_DIR);
        const flags = policyFlags(o);
        if (o.passwordEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.passwordEnv as string)) {
          throw invalidInput(`invalid --password-env "${o.passwordEnv as string}": expected a variable name like BATON_PG_PASSWORD`);
        }
        parseInput(policySchema, flags, "board policy");
        const madeDir = makeBoardDir(root, dir);
        // Concurrent inits in one directory take turns: each reads the config the one before
        // wrote and merges its flags into it (unlocked, 8 of 20 racing trials lost flags).
        return withConfigLock(root, async () => {
          const existed = existsSync(configPath(root)) || existsSync(join(dir, DEFAULT_DB));
          const config = readConfig(root);
          // The store every later command will use: --store, else BATON_STORE (recorded, so the
          // board in .baton/ is that store also without the variable).
          const given = ctx.options.store ?? (ctx.env.BATON_STORE || undefined);
          // A PostgreSQL password is used to connect now, but never printed nor saved.
          const store = given === undefined ? undefined : storeUrlWithoutPassword(given);
          if (existed && store !== undefined && (config.store ?? "sqlite:.baton/board.db") !== store) {
            throw new BatonError(
              ErrorCode.CONFLICT,
              `${dir} already records the store ${config.store ?? "sqlite:.baton/board.db"}; ` +
                `edit ${configPath(root)} to point it at ${store}, or run \`baton init\` in another directory`,
            );
          }
          const policy: BoardPolicyInput = { ...config.policy, ...flags };
          parseInput(policySchema, policy, "board policy");
          const recordedStore = store ?? config.store;
          const passwordEnv = (o.passwordEnv as string | undefined) ?? config.passwordEnv;
          const recorded = { ...(recordedStore && { store: recordedStore }), ...(passwordEnv && { passwordEnv }) };
          const url =
            recordedStore === undefined
              ? defaultStoreUrl(root)
              : given !== undefined && storeUrlPassword(given) !== undefined
                ? absoluteStoreUrl(given, root)
                : connectionUrl(root, { ...recorded, policy }, ctx.env);
          try {
            const board = await openBoard(url, { policy, create: true });
            await board.close();
          } catch (error) {
            // A board that failed to open leaves no half-made .baton/ behind.
            if (madeDir && !existed) rmSync(dir, { recursive: true, force: true });
            throw error;
          }
          const wroteConfig = recordedStore !== undefined || Object.keys(policy).length > 0;
          if (wroteConfig) writeConfig(root, { ...recorded, ...policy });
          const gitignore = join(dir, ".gitignore");
          if (!existed && recordedStore === undefined && !existsSync(gitignore)) writeFileSync(gitignore, "board.db\nboard.db-*\n");
          const verbText = existed ? "reopened the board" : "created a board";
          const shown = storeUrlWithoutPassword(url);
          const passwordNote =
            given !== undefined && storeUrlPassword(given) !== undefined && passwordEnv === undefined
              ? "the password was not saved: later commands read it from PGPASSWORD or ~/.pgpass " +
                "(or run `baton init --password-env NAME` to read it from $NAME)\n"
              : "";
          return {
            json: { root, store: shown, created: !existed, config: wroteConfig ? configPath(root) : null },
            human:
              printable(`${verbText} at ${shown}${wroteConfig ? ` (settings in ${configPath(root)})` : ""}`) +
              "\n" +
              passwordNote +
              "next: baton add \"<title>\" · baton claim --agent ME · baton --help",
          };
        });
      }),
    );
}

/**
 * Makes `.baton/` (true if it was not there). In a directory baton may not write, the refusal
 * names the directory and the way out, instead of an INTERNAL EACCES; nothing was made.
 */
function makeBoardDir(root: string, dir: string): boolean {
  try {
    return mkdirSync(dir, { recursive: true }) !== undefined;
  } catch (error) {
    if (!isSystemError(error)) throw error;
    const code = error.code ?? "";
    if (["EACCES", "EPERM", "EROFS"].includes(code)) {
      const why = code === "EROFS" ? "its file system is read-only (EROFS)" : `permission denied (${code})`;
      throw new BatonError(
        ErrorCode.STORE_UNAVAILABLE,
        `cannot create the board directory ${dir}: ${why}; nothing was created. ` +
          `Run \`baton init\` in a directory you can write, or make ${root} writable (e.g. chmod u+w ${root})`,
        { location: dir, errno: code },
      );
    }
    if (code === "EEXIST" || code === "ENOTDIR") {
      throw new BatonError(
        ErrorCode.STORE_UNAVAILABLE,
        `cannot create the board directory ${dir}: a file that is not a directory is in the way (${code}); ` +
          "nothing was created. Move it aside and run `baton init` again",
        { location: dir, errno: code },
      );
    }
    throw storeError(dir, error, "write", "nothing was created");
  }
}

function policyFlags(o: VerbOptions): BoardPolicyInput {
  const policy: BoardPolicyInput = {};
  const lease = durationSeconds("--lease", o.lease as string | undefined);
  if (lease !== undefined) policy.leaseSeconds = lease;
  const maxAttempts = wholeNumber("--max-attempts", o.maxAttempts as string | undefined, "3");
  if (maxAttempts !== undefined) policy.maxAttempts = maxAttempts;
  const retryBase = durationSeconds("--retry-base", o.retryBase as string | undefined);
  if (retryBase !== undefined) policy.retryBaseSeconds = retryBase;
  const multiplier = decimal("--retry-multiplier", o.retryMultiplier as string | undefined, "2");
  if (multiplier !== undefined) policy.retryMultiplier = multiplier;
  if (o.prefix !== undefined) policy.defaultPrefix = o.prefix as string;
  const allowed = list(o.allowedPrefixes as string | undefined);
  if (allowed !== undefined) policy.allowedPrefixes = allowed;
  return policy;
}
