/**
 * One MCP session: who the agent is, and the leases it obtained. The session keeps each lease
 * token it was handed, so an agent says only "complete T-7" and the server proves it with the
 * token; and it heartbeats every held lease each third of its length while the session lives,
 * so a long task does not expire under an agent that is busy thinking.
 *
 * When the client disconnects, held tasks are left to expire, not released: a client may
 * restart its MCP server while the agent's conversation (and its work on the task) goes on,
 * and releasing would hand a task still being worked to another agent. Expiry is the crash
 * path of SPEC §2 (counted as an attempt, so a task that kills its agent ends as a poison
 * pill), and a new session of the same agent can pick the lease up again by heartbeating it.
 */
import { BatonError, ErrorCode, isBatonError } from "../core/errors.js";
import { checkAgentId } from "../core/validation.js";
import type { Board, CredentialInput } from "../board.js";
import type { Task } from "../core/task.js";

export interface HeldLease {
  taskId: string;
  leaseToken: number;
  agent: string;
  leaseSeconds: number;
  /** Wall-clock ms when the next automatic heartbeat is due. */
  nextBeatAt: number;
  /** The board refused a heartbeat (expired, taken over): no more beats, but the token is kept
   * so the agent's next call gets the precise LEASE_LOST refusal. */
  lost: boolean;
}

/**
 * The session's clock and timer, injected so tests drive heartbeats with a fake clock instead
 * of waiting real seconds (test/mcp/mcp-session.test.ts).
 */
export interface SessionTimers {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` after `ms`; must not keep the process alive (the open stdin does that). */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_TIMERS: SessionTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A lease is renewed after a third of it has passed: two beats may fail before it expires. */
const BEATS_PER_LEASE = 3;
/** After a transient failure (board busy or unreachable), try again this soon. */
const RETRY_BEAT_MS = 5_000;

export class Session {
  private readonly leases = new Map<string, HeldLease>();
  private timer: unknown = null;
  private beating: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly board: Board,
    private readonly defaultAgent: string | undefined,
    private readonly log: (line: string) => void = () => {},
    private readonly timers: SessionTimers = REAL_TIMERS,
  ) {}

  /** The calling agent: the tool's `agent` argument, else the server's --agent / BATON_AGENT. */
  agent(given: string | undefined): string {
    const id = given ?? this.defaultAgent;
    if (id === undefined) {
      throw new BatonError(
        ErrorCode.INVALID_INPUT,
        "no agent identity: pass `agent` to this tool, or start the server with `baton mcp --agent ID` (or BATON_AGENT=ID)",
      );
    }
    return checkAgentId(id);
  }

  /** For operations where naming the agent is optional (it only labels the audit event). */
  optionalAgent(given: string | undefined): { agent?: string } {
    const id = given ?? this.defaultAgent;
    return id === undefined ? {} : { agent: id };
  }

  /**
   * How to prove holding `taskId`: an explicit token wins, then the token this session got
   * from its claim, then the agent's identity (the board accepts the holder by name).
   */
  credential(taskId: string, given: { leaseToken?: number | undefined; agent?: string | undefined }): CredentialInput {
    const held = this.leases.get(taskId);
    if (given.leaseToken !== undefined) {
      return { token: given.leaseToken, ...this.optionalAgent(given.agent ?? held?.agent) };
    }
    if (held) return { token: held.leaseToken, agent: held.agent };
    return { agent: this.agent(given.agent) };
  }

  /** Remember a lease this session obtained (claim) or renewed (heartbeat). */
  hold(task: Task, agent: string, leaseSeconds: number): void {
    if (task.leaseToken === null) return;
    this.leases.set(task.id, {
      taskId: task.id,
      leaseToken: task.leaseToken,
      agent,
      leaseSeconds,
      nextBeatAt: this.timers.now() + beatEveryMs(leaseSeconds),
      lost: false,
    });
    this.schedule();
  }

  /** The lease ended (completed, failed, released) or was lost: stop beating it. */
  forget(taskId: string): void {
    this.leases.delete(taskId);
    this.schedule();
  }

  leaseSecondsOf(taskId: string): number | undefined {
    return this.leases.get(taskId)?.leaseSeconds;
  }

  held(): HeldLease[] {
    return [...this.leases.values()];
  }

  /** Heartbeat every lease whose beat is due now; exported for tests and for the timer. */
  async beatDue(): Promise<void> {
    if (this.beating) return this.beating;
    this.beating = this.beatOnce().finally(() => {
      this.beating = null;
      this.schedule();
    });
    return this.beating;
  }

  private async beatOnce(): Promise<void> {
    for (const lease of this.leases.values()) {
      if (this.closed) return;
      if (lease.lost || lease.nextBeatAt > this.timers.now()) continue;
      try {
        await this.board.heartbeat(lease.taskId, {
          token: lease.leaseToken,
          agent: lease.agent,
          leaseSeconds: lease.leaseSeconds,
        });
        lease.nextBeatAt = this.timers.now() + beatEveryMs(lease.leaseSeconds);
      } catch (error) {
        // The agent ended this lease (complete, release…) while its beat was on the way.
        if (this.leases.get(lease.taskId) !== lease) continue;
        if (isBatonError(error) && isFinal(error.code)) {
          lease.lost = true;
          this.log(`stopped heartbeating ${lease.taskId}: ${error.message}`);
        } else {
          lease.nextBeatAt = this.timers.now() + Math.min(RETRY_BEAT_MS, beatEveryMs(lease.leaseSeconds));
          this.log(`heartbeat of ${lease.taskId} failed, retrying: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
  }

  private schedule(): void {
    if (this.timer) this.timers.clearTimeout(this.timer);
    this.timer = null;
    if (this.closed || this.beating) return;
    const due = this.held()
      .filter((l) => !l.lost)
      .map((l) => l.nextBeatAt);
    if (due.length === 0) return;
    const wait = Math.max(0, Math.min(...due) - this.timers.now());
    this.timer = this.timers.setTimeout(() => void this.beatDue(), wait);
  }

  /** Stop heartbeating; held leases are left to expire (see the file comment for why). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) this.timers.clearTimeout(this.timer);
    this.timer = null;
    await this.beating;
  }
}

function beatEveryMs(leaseSeconds: number): number {
  return (leaseSeconds * 1000) / BEATS_PER_LEASE;
}

/** Refusals after which beating again cannot succeed. */
function isFinal(code: ErrorCode): boolean {
  return code === ErrorCode.LEASE_LOST || code === ErrorCode.CONFLICT || code === ErrorCode.NOT_FOUND;
}
