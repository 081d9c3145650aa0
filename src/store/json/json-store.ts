import { BatonError, ErrorCode } from "../../core/errors.js";
import type { Store, StoreOptions } from "../store.js";

/** Placeholder until the JSON store lands (issue: JSON file store). */
export async function openJsonStore(path: string, _options: StoreOptions = {}): Promise<Store> {
  throw new BatonError(ErrorCode.INVALID_INPUT, `the JSON store is not available yet (${path})`);
}
