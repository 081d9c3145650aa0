/**
 * Holds a SQLite board's write lock (BEGIN IMMEDIATE) from "ready" until a line arrives on
 * stdin, as another process in the middle of a long write would. Test support for serve.
 */
import Database from "better-sqlite3";
import { createInterface } from "node:readline";

const [path] = process.argv.slice(2) as [string];
const db = new Database(path);
db.exec("BEGIN IMMEDIATE");
process.stdout.write("locked\n");
createInterface({ input: process.stdin }).once("line", () => {
  db.exec("ROLLBACK");
  db.close();
  process.stdout.write("released\n");
  process.exit(0);
});
