import { deleteActivityBefore } from "../db/activity-queries";
import type { Database } from "../db/client";
import { deleteRequestHoursBefore, deleteScimRequestsBefore } from "../db/scim-request-queries";

const DEFAULT_ACTIVITY_RETENTION_DAYS = 365;
const DEFAULT_SCIM_LOG_RETENTION_DAYS = 30;
/** Hourly health counters serve "the last 24 hours"; a day more covers any clock skew. */
const REQUEST_HOURS_KEPT_DAYS = 2;
/** Rows per DELETE and DELETEs per run: bounded work, whatever the backlog (the next run continues). */
const PURGE_BATCH = 1000;
const MAX_BATCHES_PER_RUN = 50;

/** The worker's variables that set retention (wrangler.toml [vars]); the Bindings include them. */
export interface RetentionSettings {
  /** Days activity entries are kept (default 365). */
  ACTIVITY_RETENTION_DAYS?: string;
  /** Days SCIM request records are kept (default 30). */
  SCIM_LOG_RETENTION_DAYS?: string;
}

const daysBefore = (now: Date, days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();

/** The daily cron: activity entries, SCIM request records and old hourly counters past their retention. */
export async function purgeExpired(db: Database, settings: RetentionSettings, now: Date) {
  const activityBefore = daysBefore(now, Number(settings.ACTIVITY_RETENTION_DAYS) || DEFAULT_ACTIVITY_RETENTION_DAYS);
  const requestsBefore = daysBefore(now, Number(settings.SCIM_LOG_RETENTION_DAYS) || DEFAULT_SCIM_LOG_RETENTION_DAYS);
  const hoursBefore = daysBefore(now, REQUEST_HOURS_KEPT_DAYS).slice(0, 13);
  const purged = {
    activity: await inBatches((limit) => deleteActivityBefore(db, activityBefore, limit)),
    scimRequests: await inBatches((limit) => deleteScimRequestsBefore(db, requestsBefore, limit)),
    requestHours: await inBatches((limit) => deleteRequestHoursBefore(db, hoursBefore, limit)),
  };
  console.log(JSON.stringify({ event: "retention_purged", activityBefore, requestsBefore, ...purged }));
  return purged;
}

async function inBatches(deleteUpTo: (limit: number) => Promise<number>): Promise<number> {
  let purged = 0;
  for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
    const deleted = await deleteUpTo(PURGE_BATCH);
    purged += deleted;
    if (deleted < PURGE_BATCH) break;
  }
  return purged;
}
