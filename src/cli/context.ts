/**
 * What every verb gets: the global options resolved once (output mode, agent identity, where
 * the board is) and the board, opened on first use and closed when the verb ends.
 */
import { invalidInput } from "../core/errors.js";
import { openBoard } from "../open-board.js";
import { locateBoard } from "./discovery.js";
import { Style } from "./style.js";
import type { Board } from "../board.js";
import type { BoardLocation } from "./discovery.js";

export interface GlobalOptions {
  json?: boolean;
  store?: string;
  agent?: string;
}

export class CliContext {
  readonly json: boolean;
  readonly style: Style;
  private opened: Board | null = null;

  constructor(
    readonly options: GlobalOptions,
    readonly env: NodeJS.ProcessEnv = process.env,
    readonly cwd: string = process.cwd(),
  ) {
    this.json = options.json === true;
    this.style = Style.forStream(process.stdout, env);
  }

  /** The caller's agent id, from --agent or BATON_AGENT, if given. */
  get agent(): string | undefined {
    return this.options.agent ?? (this.env.BATON_AGENT || undefined);
  }

  /** The agent id, for verbs that act as an agent (claim, next). */
  requireAgent(verb: string): string {
    const agent = this.agent;
    if (agent === undefined) {
      throw invalidInput(`baton ${verb} needs your agent id: pass --agent ID or set BATON_AGENT`);
    }
    return agent;
  }

  location(): BoardLocation {
    return locateBoard(this.options.store, this.env, this.cwd);
  }

  async board(): Promise<Board> {
    if (!this.opened) {
      const location = this.location();
      // BATON_LOCAL_WRITER=1: the hot writes go through the board's local writer (docs/cli.md).
      const localWriter = this.env.BATON_LOCAL_WRITER === "1";
      this.opened = await openBoard(location.url, { policy: location.policy, create: false, ...(localWriter && { localWriter }) });
    }
    return this.opened;
  }

  async close(): Promise<void> {
    const board = this.opened;
    this.opened = null;
    await board?.close();
  }
}
