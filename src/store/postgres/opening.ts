/**
 * What a write transaction fetches in its first round trip, right after BEGIN, in one
 * statement: the database's clock and a seq always; for a claim (intent.claimFor) the leases
 * it recovers first (and a seq for each), the agent's row, its first claim candidate and that
 * candidate's dependencies; for an operation on named tasks (intent.taskIds) those rows. Each
 * part is the read the board makes next, with the same locks, in the order the board makes
 * them, so an answer taken from here is what the read would have returned had it run a moment
 * earlier in the transaction. BoardTx stops using the task answers once the transaction has
 * written a task (an expired lease it recovered may be a better candidate, or one of the
 * dependencies): those reads then run for real.
 * One statement rather than one per read: each statement costs both processes a parse of its
 * messages and a result (measured: 16 statements per claim+complete cycle cost node 1.0 ms and
 * PostgreSQL 0.85 ms of CPU; see bench/sections/postgres.ts for the figures after merging).
 */
import { toIso } from "../../core/time.js";
import { byClaimOrder, candidateCtes, CLOCK_MS, Part, PREFETCH_RECOVERY, recoverableSql, tasksByIdSql } from "./claim-sql.js";
import type { TransactionIntent } from "../store.js";
import type { AgentRow, TaskRow } from "./rows.js";
import type { Statement } from "./tx-connection.js";
import type { BatchResult } from "./wire-batch.js";

/**
 * The read that opens the transaction. Recovery is fetched only when it is judged on the
 * clock the board will use: the database's (the first read is the clock) or the one it names.
 */
export type FirstRead = { kind: "clock" } | { kind: "recovery"; nowIso: string; limit: number } | { kind: "other" };

export type PartRow = TaskRow & { part: number };

interface OpeningRow extends PartRow {
  ms: number;
  seqs: string[];
  agent_id: string | null;
  agent_capabilities: string[] | null;
  agent_last_seen_at: string | null;
  agent_version: string | null;
}

/** What the opening reads, from the intent and the first read. */
function sections(intent: TransactionIntent | undefined, first: FirstRead) {
  const agent = intent?.claimFor ?? intent?.agentId;
  const ids = intent?.taskIds ?? [];
  return {
    recovery: agent !== undefined && first.kind !== "other",
    agent,
    ids: ids.length > 0 ? ids : undefined,
    candidate: agent !== undefined && ids.length === 0,
  };
}

type Sections = ReturnType<typeof sections>;

/** Opening texts by statement name (the text depends only on the sections). */
const texts = new Map<string, string>();

/**
 * The opening statement. Its text depends only on which sections it has, so each variant is
 * prepared once per connection under its own name.
 */
export function openingStatement(intent: TransactionIntent | undefined, first: FirstRead): Statement {
  const has = sections(intent, first);
  const name = `open${has.recovery ? "-recover" : ""}${has.agent !== undefined ? "-agent" : ""}${has.ids ? "-named" : ""}${has.candidate ? "-candidate" : ""}`;
  let text = texts.get(name);
  if (text === undefined) {
    text = openingText(has);
    texts.set(name, text);
  }
  const values: unknown[] = [];
  if (has.recovery) values.push(...(first.kind === "recovery" ? [first.nowIso, first.limit] : [null, PREFETCH_RECOVERY]));
  if (has.agent !== undefined) values.push(has.agent);
  if (has.ids) values.push(has.ids);
  if (has.candidate) values.push(has.agent);
  return { name, text, values };
}

/** The SQL of an opening with these sections; parameters in the order openingStatement pushes values. */
function openingText(has: Sections): string {
  let params = 0;
  const param = (type: string): string => `$${++params}::${type}`;
  const ctes = [`clock AS (SELECT ${CLOCK_MS} AS ms)`];
  const rows: string[] = [];
  if (has.recovery) {
    const now = `coalesce(${param("timestamptz")}, (SELECT timestamptz 'epoch' + ms * interval '1 millisecond' FROM clock))`;
    ctes.push(`recoverable AS (${recoverableSql(now, param("int"))})`);
    rows.push("SELECT * FROM recoverable");
  }
  // One seq for the first event or lease token, and one per recovered task (each appends an event).
  ctes.push(`seqs AS (SELECT array_agg(seq ORDER BY seq) AS seqs FROM (SELECT baton_take_seq() AS seq
    FROM generate_series(0, ${has.recovery ? "(SELECT count(*) FROM recoverable)" : "0"})) taken)`);
  let agentColumns =
    "NULL::text AS agent_id, NULL::jsonb AS agent_capabilities, NULL::timestamptz AS agent_last_seen_at, NULL::text AS agent_version";
  let agentJoin = "";
  if (has.agent !== undefined) {
    ctes.push(`agent AS (SELECT id, capabilities, last_seen_at, xmin::text AS version FROM baton_agents WHERE id = ${param("text")})`);
    agentColumns =
      "agent.id AS agent_id, agent.capabilities AS agent_capabilities, agent.last_seen_at AS agent_last_seen_at, agent.version AS agent_version";
    agentJoin = "LEFT JOIN agent ON true";
  }
  if (has.ids) {
    ctes.push(`named AS (${tasksByIdSql(param("text[]"), "", "FOR UPDATE")})`);
    rows.push(`SELECT ${Part.named} AS part, * FROM named`);
  }
  if (has.candidate) {
    ctes.push(candidateCtes(param("text")));
    rows.push(
      "SELECT * FROM page",
      `SELECT ${Part.dependency} AS part, * FROM dependencies_open`,
      `SELECT ${Part.dependency} AS part, * FROM dependencies_done`,
    );
  }
  return (
    `WITH ${ctes.join(",\n  ")}\n  SELECT clock.ms, seqs.seqs, ${agentColumns}${rows.length > 0 ? ", found.*" : ""}` +
    ` FROM clock CROSS JOIN seqs ${agentJoin}${rows.length > 0 ? ` LEFT JOIN (${rows.join(" UNION ALL ")}) found ON true` : ""}`
  );
}

/** The answers of the opening, for BoardTx's reads to take. */
export class Opening {
  readonly clockMs: number;
  /** Seqs taken at BEGIN, ascending, for the first events and lease token. */
  readonly seqs: number[];
  /** Expired leases and due retries at `nowIso`, when fetched. */
  readonly recovery: { nowIso: string; limit: number; rows: PartRow[] } | undefined;
  private readonly agent: { id: string; row: AgentRow | undefined } | undefined;
  private readonly named: { ids: ReadonlySet<string>; rows: TaskRow[] } | undefined;
  private readonly candidate: { agentId: string; rows: PartRow[]; dependencies: TaskRow[] } | undefined;

  constructor(intent: TransactionIntent | undefined, first: FirstRead, result: BatchResult) {
    const has = sections(intent, first);
    const rows = result.rows as unknown as OpeningRow[];
    const head = rows[0] as OpeningRow;
    this.clockMs = head.ms;
    this.seqs = head.seqs.map(Number);
    const part = (...parts: number[]): PartRow[] => rows.filter((r) => r.id !== null && parts.includes(r.part));
    this.recovery = has.recovery
      ? {
          nowIso: first.kind === "recovery" ? first.nowIso : toIso(head.ms),
          limit: first.kind === "recovery" ? first.limit : PREFETCH_RECOVERY,
          rows: part(Part.expired, Part.due),
        }
      : undefined;
    if (has.agent !== undefined) {
      const row =
        head.agent_id === null
          ? undefined
          : {
              id: head.agent_id,
              capabilities: head.agent_capabilities ?? [],
              last_seen_at: head.agent_last_seen_at as string,
              ...(head.agent_version !== null && { row_version: head.agent_version }),
            };
      this.agent = { id: has.agent, row };
    }
    if (has.ids) this.named = { ids: new Set(has.ids), rows: part(Part.named) };
    if (has.candidate && has.agent !== undefined) {
      this.candidate = {
        agentId: has.agent,
        rows: part(Part.reserved, Part.open).sort(byClaimOrder),
        dependencies: part(Part.dependency),
      };
    }
  }

  /** The agent's row (null: it has none), if fetched. */
  agentRow(id: string): AgentRow | null | undefined {
    if (this.agent?.id !== id) return undefined;
    return this.agent.row ?? null;
  }

  /** The rows among `ids` (those that exist), if all of them were fetched by id. */
  namedTasks(ids: readonly string[]): TaskRow[] | undefined {
    const named = this.named;
    if (!named || !ids.every((id) => named.ids.has(id))) return undefined;
    return named.rows.filter((row) => ids.includes(row.id));
  }

  /**
   * The first claim page for `agentId` (page size 1), if that is what is asked, with the
   * number of rows the candidate statement returned (for BoardTx's busy-candidates check).
   */
  candidatePage(agentId: string, limit: number, offset: number): { page: PartRow[]; fetched: number } | undefined {
    if (this.candidate?.agentId !== agentId || limit !== 1 || offset !== 0) return undefined;
    return { page: this.candidate.rows.slice(0, 1), fetched: this.candidate.rows.length };
  }

  /**
   * The first candidate's dependencies, if `ids` are exactly them and each was found (one that
   * completed while the opening waited for its lock is missing: read them again).
   */
  candidateDependencies(ids: readonly string[]): TaskRow[] | undefined {
    const first = this.candidate?.rows[0];
    if (!first) return undefined;
    const wanted = new Set(first.depends_on);
    if (ids.length !== wanted.size || !ids.every((id) => wanted.has(id))) return undefined;
    const found = this.candidate?.dependencies ?? [];
    return found.length === wanted.size ? found : undefined;
  }
}
