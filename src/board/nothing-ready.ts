/**
 * Why a claim found nothing: what the open tasks are waiting for, and the dead tasks, which
 * nothing runs again until someone revives them. "The board has no open tasks" alone, while a
 * task is dead, would tell an agent there is nothing to do when the work is stuck.
 */
import { BatonError, ErrorCode } from "../core/errors.js";
import type { Store } from "../store/store.js";

/** Dead tasks named in the message (the count is always exact). */
const DEAD_IDS_SHOWN = 3;

export async function nothingReady(store: Store, agent: string): Promise<BatonError> {
  const { counts, dead } = await store.read(async (tx) => {
    const counts = await tx.countByStatus();
    const dead = counts.dead > 0 ? await tx.listTasks({ statuses: ["dead"], limit: DEAD_IDS_SHOWN }) : [];
    return { counts, dead };
  });
  const open = [
    counts.pending && `${counts.pending} pending (blocked by dependencies, reservations or capabilities)`,
    counts.in_progress && `${counts.in_progress} in progress`,
    counts.failed && `${counts.failed} waiting to retry`,
  ].filter(Boolean);
  const deadIds = dead.map((t) => t.id).join(", ") + (counts.dead > dead.length ? ", …" : "");
  const deadPart =
    counts.dead > 0
      ? `${counts.dead} dead (${deadIds}), which no agent gets until revived: see \`baton list --status dead\`, then \`baton revive ID\``
      : "";
  const why =
    open.length > 0
      ? `: ${open.join(", ")}; wait and retry, or see \`baton list\`` + (deadPart && `; and ${deadPart}`)
      : deadPart
        ? `: no open tasks, but ${deadPart}`
        : ": the board has no open tasks";
  return new BatonError(ErrorCode.NOTHING_READY, `nothing ready for ${agent}${why}`, { counts });
}
