import { env } from "cloudflare:workers";
import { insertActivityEntries } from "../db/activity-queries";
import type { Database } from "../db/client";
import { now } from "../domain/clock";
import type { ActivityEntry, ActivityInput } from "./actions";

/**
 * The one way every change is logged. The entry gets its id here, at the source; it goes out as a
 * structured log line (for `wrangler tail`) and onto the activity queue, whose consumer writes it to
 * activity_log, so the response never waits for the table. If the queue refuses it, the entry is
 * written straight to D1 instead: an accepted change never loses its log entry.
 * Callers pass no secrets; `changes` holds attribute values only.
 */
export async function recordActivity(db: Database, input: ActivityInput): Promise<void> {
  const entry: ActivityEntry = { id: crypto.randomUUID(), at: now(), ...input };
  console.log(JSON.stringify({ event: "activity", ...entry }));
  try {
    await env.ACTIVITY_QUEUE.send(entry, { contentType: "json" });
  } catch (error) {
    console.error(JSON.stringify({ event: "activity_queue_failed", id: entry.id, error: String(error) }));
    await insertActivityEntries(db, [entry]);
  }
}
