/**
 * What reaches a terminal from the board is data anyone who can write a task chose: a title
 * with ESC [2J clears another user's screen, an OSC 8 sequence plants a link, a CR or BS
 * overwrites what was printed before. Every human-readable output (human.ts, the error
 * reporter, `watch`) passes the board's strings through `printable` once; baton's own colours
 * are added after it (style.ts), and `--json` output is never escaped (JSON encodes them).
 *
 * Escaped: C0 controls (U+0000–U+001F) but newline and tab where a text may span lines,
 * DEL, C1 controls (U+0080–U+009F, e.g. the one-byte CSI U+009B), and the bidirectional
 * overrides and isolates that can reorder what a line appears to say.
 */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_OR_LINE_BREAK = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with each control character shown as a visible escape: ESC → "\x1b", CR → "\r",
 * U+202E → "\u202e". `multiline` keeps newlines (descriptions); elsewhere one line stays one.
 */
export function printable(text: string, options: { multiline?: boolean } = {}): string {
  const pattern = options.multiline ? CONTROL : CONTROL_OR_LINE_BREAK;
  return text.replace(pattern, visible);
}

function visible(char: string): string {
  switch (char) {
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
    default: {
      const code = char.charCodeAt(0);
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
    }
  }
}
