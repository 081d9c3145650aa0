/**
 * A backup file opened as a throwaway store, to verify it before it replaces anything: the
 * file is first copied (SQLite) or unpacked (JSON) into a temporary directory, so opening it —
 * which may migrate or start a WAL — never changes the backup itself.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatonError, ErrorCode } from "../core/errors.js";
import { openStore } from "./open.js";
import type { Store } from "./store.js";

export interface OpenedCopy {
  store: Store;
  dispose(): Promise<void>;
}

export async function openBackupCopy(kind: Store["kind"], file: string): Promise<OpenedCopy> {
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new BatonError(ErrorCode.INVALID_INPUT, `no backup file at ${file}; give the FILE written by \`baton backup FILE\``, { file });
  }
  const dir = mkdtempSync(join(tmpdir(), "baton-restore-check-"));
  const dispose = async (store?: Store): Promise<void> => {
    await store?.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    let store: Store;
    if (kind === "sqlite") {
      copyFileSync(file, join(dir, "board.db"));
      store = await openStore(`sqlite:${join(dir, "board.db")}`, { create: false });
    } else if (kind === "json") {
      const { parseBundle, unpackBundle } = await import("./json/backup.js");
      const { boardPaths } = await import("./json/paths.js");
      unpackBundle(parseBundle(file), boardPaths(join(dir, "tasks.json")), false);
      store = await openStore(`json:${join(dir, "tasks.json")}`, { create: false });
    } else {
      throw new BatonError(ErrorCode.INVALID_INPUT, "PostgreSQL boards are restored with pg_restore; see docs/operations.md");
    }
    return { store, dispose: () => dispose(store) };
  } catch (error) {
    await dispose();
    if (error instanceof BatonError && error.code !== ErrorCode.CORRUPT_STORE) throw error;
    throw new BatonError(
      ErrorCode.CORRUPT_STORE,
      `the backup ${file} is not a readable ${kind} board: ${(error as Error).message}`,
      { file },
    );
  }
}
