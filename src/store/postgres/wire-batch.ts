/**
 * Several statements in one round trip, as one extended-protocol exchange: for each statement
 * Parse (the first time this connection sees its name) + Bind + Describe + Execute, then a
 * single Sync. The server runs them in order, stops at the first error (the rest are skipped,
 * as in one simple query) and answers with one ReadyForQuery, flushed once.
 * Why not node-pg's own `pipeline: true`: it ends every statement with a Sync, so the server
 * flushes, and the client wakes, once per statement; on this 2-core machine a claim+complete
 * cycle of 8 pipelined statements cost node 2.4 ms of CPU at 8 processes, of which node-pg's
 * per-query machinery (query objects, result field maps, promises) was the largest part.
 * Why not statements with their values inlined as literals (what this store sent before):
 * PostgreSQL then parses and plans every statement on every call. Measured here, one process,
 * 1,500 claim+complete cycles: PostgreSQL spent 3.05 ms of CPU per cycle that way against
 * 0.61 ms with these named statements, planned once per connection (generic plans, see
 * connections.ts); node 0.5-0.8 ms either way.
 */
import { serialize } from "pg-protocol";
import { typeParsers } from "./rows.js";
import type { Statement } from "./tx-connection.js";

/** The parts of node-pg's connection a Submittable uses (as pg-cursor does). */
interface WireConnection {
  stream: { writable: boolean; write(data: Buffer): boolean };
  on(event: "parseComplete" | "noData", listener: () => void): void;
  removeListener(event: "parseComplete" | "noData", listener: () => void): void;
}

interface Field {
  name: string;
  dataTypeID: number;
}

export interface BatchResult {
  rows: Record<string, unknown>[];
}

const parse = (oid: number): ((text: string) => unknown) =>
  (typeParsers as unknown as { getTypeParser(oid: number, format: string): (text: string) => unknown }).getTypeParser(oid, "text");

/** Statement names this connection has prepared on the server. */
const preparedOn = new WeakMap<object, Set<string>>();

/**
 * The row shape of each named statement this connection has run. A named statement's shape
 * cannot change while it stays prepared (PostgreSQL refuses "cached plan must not change
 * result type"), so after its first run the batch skips Describe: no RowDescription to send,
 * read and map on every call: a warm process spent 583 → 562 µs of CPU per claim+complete.
 */
const shapesOn = new WeakMap<object, Map<string, RowShape>>();

interface RowShape {
  fields: Field[];
  parsers: ((text: string) => unknown)[];
}

/** A Submittable for `client.query(batch)`; `done` settles with one result per statement. */
export class WireBatch {
  readonly done: Promise<BatchResult[]>;
  private settle!: { resolve(results: BatchResult[]): void; reject(error: unknown): void };
  private readonly results: BatchResult[] = [];
  private fields: Field[] = [];
  private parsers: ((text: string) => unknown)[] = [];
  private rows: Record<string, unknown>[] = [];
  /** Names whose Parse this batch sent, in order; the first `parsed` of them the server confirmed. */
  private readonly parsing: string[] = [];
  private parsed = 0;
  private connection: WireConnection | undefined;
  /** Per statement of this batch: its known shape (Describe skipped), or the name to learn it under. */
  private plan: { known: RowShape | undefined; name: string }[] = [];
  private shapes: Map<string, RowShape> | undefined;
  private readonly onParseComplete = (): void => {
    this.parsed++;
  };
  /** A statement that returns no rows (BEGIN, COMMIT): its shape is known too. */
  private readonly onNoData = (): void => {
    const step = this.plan[this.results.length];
    if (step && step.name !== "") this.shapes?.set(step.name, { fields: [], parsers: [] });
  };

  constructor(private readonly statements: readonly Statement[]) {
    this.done = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
  }

  submit(connection: WireConnection): void {
    this.connection = connection;
    const prepared = preparedOn.get(connection) ?? new Set<string>();
    preparedOn.set(connection, prepared);
    const shapes = shapesOn.get(connection) ?? new Map<string, RowShape>();
    shapesOn.set(connection, shapes);
    this.shapes = shapes;
    connection.on("parseComplete", this.onParseComplete);
    connection.on("noData", this.onNoData);
    // One buffer, one write: the messages of a batch, each written to the socket stream on
    // its own, cost node a stream entry apiece and the kernel an iovec.
    const messages: Buffer[] = [];
    for (const statement of this.statements) {
      const name = statement.name === undefined ? "" : `baton-${statement.name}`;
      if (name === "" || !prepared.has(name)) {
        messages.push(serialize.parse({ text: statement.text, name }));
        if (name !== "") {
          prepared.add(name);
          this.parsing.push(name);
        } else {
          this.parsing.push("");
        }
      }
      messages.push(serialize.bind({ statement: name, values: statement.values ?? [], valueMapper }));
      const known = name === "" ? undefined : shapes.get(name);
      if (!known) messages.push(serialize.describe({ type: "P", name: "" }));
      this.plan.push({ known, name });
      messages.push(serialize.execute({}));
    }
    messages.push(serialize.sync());
    // As node-pg's own sends: a stream that is no longer writable has failed, and the client
    // reports that failure to this batch.
    if (connection.stream.writable) connection.stream.write(Buffer.concat(messages));
  }

  handleRowDescription(message: { fields: Field[] }): void {
    this.fields = message.fields;
    this.parsers = message.fields.map((f) => parse(f.dataTypeID));
    const step = this.plan[this.results.length];
    if (step && step.name !== "") this.shapes?.set(step.name, { fields: this.fields, parsers: this.parsers });
  }

  /** The current statement's shape when its Describe was skipped. */
  private useKnownShape(): void {
    const known = this.plan[this.results.length]?.known;
    if (known) {
      this.fields = known.fields;
      this.parsers = known.parsers;
    }
  }

  handleDataRow(message: { fields: (string | null)[] }): void {
    if (this.fields.length === 0) this.useKnownShape();
    const row: Record<string, unknown> = {};
    const values = message.fields;
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      row[(this.fields[i] as Field).name] = value === null || value === undefined ? null : (this.parsers[i] as (t: string) => unknown)(value);
    }
    this.rows.push(row);
  }

  handleCommandComplete(): void {
    this.results.push({ rows: this.rows });
    this.rows = [];
    this.fields = [];
    this.parsers = [];
  }

  handleEmptyQuery(): void {
    this.handleCommandComplete();
  }

  handleError(error: unknown): void {
    this.finish();
    this.settle.reject(error);
  }

  handleReadyForQuery(): void {
    this.finish();
    this.settle.resolve(this.results);
  }

  handlePortalSuspended(): void {}
  handleCopyInResponse(connection: { sendCopyFail(message: string): void }): void {
    connection.sendCopyFail("baton sends no COPY data");
  }
  handleCopyData(): void {}

  /** Forgets names whose Parse the server did not confirm (an earlier statement failed). */
  private finish(): void {
    const connection = this.connection;
    if (!connection) return;
    connection.removeListener("parseComplete", this.onParseComplete);
    connection.removeListener("noData", this.onNoData);
    const prepared = preparedOn.get(connection);
    for (const name of this.parsing.slice(this.parsed)) if (name !== "") prepared?.delete(name);
    this.connection = undefined;
  }
}

/** A parameter's text: baton binds only text, numbers, null and arrays of text. */
function valueMapper(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) return `{${value.map((v) => `"${String(v).replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(",")}}`;
  throw new Error(`baton cannot bind a ${typeof value} parameter`);
}
