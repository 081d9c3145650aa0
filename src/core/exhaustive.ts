/**
 * The two small helpers every layer needs, kept once: the `never` check that makes a switch
 * over an `as const` union fail to compile when a case is added, and the copy of an object
 * without its undefined fields (a patch or options object built from optional arguments).
 */

/** The default branch of an exhaustive switch: a compile error if a case is missing. */
export function assertNever(value: never, what = "case"): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
}

/** `value` without the fields that are undefined (so `{ ...a, ...definedFields(b) }` keeps a's). */
export function definedFields<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
