import { BatonError, ErrorCode } from "../../core/errors.js";
import type { Store, StoreOptions } from "../store.js";

/** Placeholder until the PostgreSQL store lands (issue: PostgreSQL store). */
export async function openPostgresStore(url: string, _options: StoreOptions = {}): Promise<Store> {
  throw new BatonError(ErrorCode.INVALID_INPUT, `the PostgreSQL store is not available yet (${url.replace(/:[^:@/]*@/, ":***@")})`);
}
