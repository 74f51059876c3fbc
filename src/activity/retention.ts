import { deleteActivityBefore } from "../db/activity-queries";
import { database } from "../db/client";
import type { Bindings } from "../env";

const DEFAULT_RETENTION_DAYS = 365;
/** Rows per DELETE and DELETEs per run: bounded work, whatever the backlog (the next run continues). */
const PURGE_BATCH = 1000;
const MAX_BATCHES_PER_RUN = 50;

/** The cron handler: deletes activity entries older than the retention period, in bounded batches. */
export async function purgeExpiredActivity(bindings: Bindings, now: Date): Promise<number> {
  const days = Number(bindings.ACTIVITY_RETENTION_DAYS) || DEFAULT_RETENTION_DAYS;
  const before = new Date(now.getTime() - days * 86_400_000).toISOString();
  const db = database(bindings.DB);
  let purged = 0;
  for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
    const deleted = await deleteActivityBefore(db, before, PURGE_BATCH);
    purged += deleted;
    if (deleted < PURGE_BATCH) break;
  }
  console.log(JSON.stringify({ event: "activity_purged", before, purged }));
  return purged;
}
