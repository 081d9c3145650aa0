/**
 * Colour for people, never for pipes: only when stdout is a terminal and NO_COLOR is unset
 * (no-color.org). Plain ANSI codes; a colour library would cost start-up time for nothing.
 */
import type { TaskStatus } from "../core/task.js";

const CODES = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, grey: 90 } as const;
export type Paint = keyof typeof CODES;

export class Style {
  constructor(
    readonly colour: boolean,
    /** Terminal width, or null when not a terminal (then nothing is truncated). */
    readonly width: number | null,
  ) {}

  static forStream(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): Style {
    const tty = stream.isTTY === true;
    return new Style(tty && !env.NO_COLOR, tty ? (stream.columns ?? 100) : null);
  }

  paint(paint: Paint, text: string): string {
    return this.colour ? `\x1b[${CODES[paint]}m${text}\x1b[0m` : text;
  }

  status(status: TaskStatus): string {
    return this.paint(STATUS_PAINT[status], status);
  }
}

export const STATUS_PAINT: Record<TaskStatus, Paint> = {
  pending: "cyan",
  in_progress: "yellow",
  completed: "green",
  failed: "magenta",
  dead: "red",
  cancelled: "grey",
};
