/**
 * Who may ask: tokens with a name and a role (`read` or `write`), and dashboard sessions.
 *
 * Tokens come from BATON_TOKEN (one write token) and/or a token file (`--token-file`), one
 * token per line:
 *
 *     # name      role   token
 *     lead        write  3q2P6m0wV3Xv3mZ2mQ0r7yYkQ1cK8rJd
 *     ci-reader   read   9Zc0bqk2-wq1Ew8v1oTgQb3zJm4Hh6Ls
 *
 * A name is recorded as the actor of that token's person actions in the audit trail, so it
 * has an agent id's shape. With no token configured (only allowed on a loopback address),
 * `serve` makes up a write token and prints it. A browser signs in through a one-time URL
 * that `serve` prints: the code in it is exchanged once for an HttpOnly SameSite=Strict
 * session cookie, so the page never holds a token (as Jupyter does). A session id is signed
 * with a key derived from its token, not kept in memory: it survives a restart of `serve`
 * with the same tokens (the dashboard reconnects by itself), and dies with its token.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { invalidInput } from "../core/errors.js";
import { AGENT_ID_PATTERN } from "../core/validation.js";

export type Role = "read" | "write";

export interface Identity {
  name: string;
  role: Role;
}

export interface TokenEntry extends Identity {
  token: string;
}

export const SESSION_COOKIE = "baton_session";

/** At least 16 characters, so a token is not guessable by trying. */
const TOKEN_PATTERN = /^[A-Za-z0-9._~+/=-]{16,512}$/;

export function newSecret(): string {
  return randomBytes(24).toString("base64url");
}

/** Tokens are looked up by their hash: a lookup's timing says nothing about a token's text. */
function digest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export class Credentials {
  private readonly tokens = new Map<string, Identity>();
  /**
   * Tokens already found valid, by their text: a SHA-256 per request was 7-11 µs of the server's
   * CPU under load here. Only valid tokens enter (a bounded set), so a
   * guess always pays the hash; a Map finds strings by a seeded hash, never by comparing
   * prefixes, so a lookup's timing still says nothing about a token's text.
   */
  private readonly known = new Map<string, Identity>();
  /** Per token name: its identity and the key its sessions are signed with. */
  private readonly signers = new Map<string, { identity: Identity; key: Buffer }>();
  private readonly loginCodes = new Map<string, Identity>();

  constructor(entries: readonly TokenEntry[]) {
    for (const entry of entries) {
      const key = digest(entry.token);
      if (this.tokens.has(key)) throw invalidInput(`two tokens are the same (the second is named ${entry.name}); give each its own`);
      const identity = { name: entry.name, role: entry.role };
      this.tokens.set(key, identity);
      this.signers.set(entry.name, { identity, key: createHash("sha256").update(`baton session\0${entry.token}`).digest() });
    }
  }

  get size(): number {
    return this.tokens.size;
  }

  byToken(token: string): Identity | undefined {
    const known = this.known.get(token);
    if (known) return known;
    const identity = this.tokens.get(digest(token));
    if (identity) this.known.set(token, identity);
    return identity;
  }

  bySession(sessionId: string): Identity | undefined {
    const [payload, mac] = sessionId.split(".");
    if (!payload || !mac) return undefined;
    const [name] = Buffer.from(payload, "base64url").toString("utf8").split("\0");
    const signer = name === undefined ? undefined : this.signers.get(name);
    if (!signer) return undefined;
    const expected = createHmac("sha256", signer.key).update(payload).digest();
    const given = Buffer.from(mac, "base64url");
    return given.length === expected.length && timingSafeEqual(given, expected) ? signer.identity : undefined;
  }

  /** A code good for one sign-in as `identity` (the URL `serve` prints carries it). */
  loginCode(identity: Identity): string {
    const code = newSecret();
    this.loginCodes.set(code, identity);
    return code;
  }

  /** Exchanges a one-time code for a new session id; undefined if the code is unknown or used. */
  redeem(code: string): { sessionId: string; identity: Identity } | undefined {
    const identity = this.loginCodes.get(code);
    if (!identity) return undefined;
    this.loginCodes.delete(code);
    return { sessionId: this.startSession(identity), identity };
  }

  /** A session id signed for `identity`'s token; unknown names get none. */
  startSession(identity: Identity): string {
    const signer = this.signers.get(identity.name);
    if (!signer) throw invalidInput(`no token is named ${identity.name}`);
    const payload = Buffer.from(`${identity.name}\0${newSecret()}`, "utf8").toString("base64url");
    return `${payload}.${createHmac("sha256", signer.key).update(payload).digest("base64url")}`;
  }
}

/** The token file's entries; a bad line is refused naming the file, the line and the fix. */
export function parseTokenFile(text: string, path: string): TokenEntry[] {
  const entries: TokenEntry[] = [];
  const names = new Set<string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const where = `${path}:${index + 1}`;
    const fields = line.split(/\s+/);
    if (fields.length !== 3) throw invalidInput(`${where}: expected "NAME ROLE TOKEN" (three words), got ${fields.length}`);
    const [name, role, token] = fields as [string, string, string];
    if (!AGENT_ID_PATTERN.test(name)) {
      throw invalidInput(`${where}: the name ${JSON.stringify(name)} is not an agent id (letters, digits, '.', '_', '@', ':' or '-')`);
    }
    if (role !== "read" && role !== "write") throw invalidInput(`${where}: the role is "read" or "write", not ${JSON.stringify(role)}`);
    if (!TOKEN_PATTERN.test(token)) {
      throw invalidInput(`${where}: a token is 16-512 characters of letters, digits and . _ ~ + / = - (make one with \`openssl rand -base64 24\`)`);
    }
    if (names.has(name)) throw invalidInput(`${where}: the name ${name} is used twice; names must be unique`);
    names.add(name);
    entries.push({ name, role, token });
  });
  return entries;
}

/** BATON_TOKEN as a write token named BATON_TOKEN_NAME (default "operator"). */
export function environmentToken(env: NodeJS.ProcessEnv): TokenEntry | undefined {
  const token = env.BATON_TOKEN;
  if (token === undefined || token === "") return undefined;
  if (!TOKEN_PATTERN.test(token)) {
    throw invalidInput("BATON_TOKEN must be 16-512 characters of letters, digits and . _ ~ + / = - (make one with `openssl rand -base64 24`)");
  }
  const name = env.BATON_TOKEN_NAME || "operator";
  if (!AGENT_ID_PATTERN.test(name)) throw invalidInput(`BATON_TOKEN_NAME ${JSON.stringify(name)} is not an agent id`);
  return { name, role: "write", token };
}

/** The bearer token of an Authorization header, if it has one. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** The session id in a Cookie header, if any. */
export function sessionCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === SESSION_COOKIE) return value.join("=");
  }
  return undefined;
}

export function sessionCookieHeader(sessionId: string): string {
  return `${SESSION_COOKIE}=${sessionId}; HttpOnly; SameSite=Strict; Path=/`;
}
