import { selectPendingEntries } from "../db/activity-queries";
import type { Database } from "../db/client";
import { sendEntries } from "../db/pipeline-send";

/** An entry still pending after this long was not delivered after its commit (queue and D1 both failed). */
const PENDING_GRACE_MS = 60_000;
/** Bounded work per run, whatever the backlog: the next run continues. */
const RESEND_LIMIT = 500;

/** The cron handler: sends pending entries older than a minute again (idempotent, delivery skips known ids). */
export async function resendPendingActivity(db: Database, now: Date): Promise<number> {
  const before = new Date(now.getTime() - PENDING_GRACE_MS).toISOString();
  const pending = await selectPendingEntries(db, before, RESEND_LIMIT);
  if (pending.length > 0) await sendEntries(db, pending);
  console.log(JSON.stringify({ event: "activity_resent", before, resent: pending.length }));
  return pending.length;
}
