import type { Database } from "../db/client";
import { activityLog } from "../db/schema";
import { now } from "../domain/clock";
import type { ActivityInput } from "./actions";

/**
 * The one way every change is logged: a row in activity_log and a structured log line
 * for `wrangler tail`. Callers pass no secrets; `changes` holds attribute values only.
 */
export async function recordActivity(db: Database, input: ActivityInput): Promise<void> {
  const entry = { id: crypto.randomUUID(), at: now(), ...input };
  console.log(JSON.stringify({ event: "activity", ...entry }));
  await db.insert(activityLog).values({
    ...entry,
    targetId: entry.targetId ?? null,
    targetName: entry.targetName ?? null,
    changes: entry.changes ?? null,
  });
}
