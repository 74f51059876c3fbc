import * as v from "valibot";
import { insertActivityEntries } from "../db/activity-queries";
import { database } from "../db/client";
import type { Bindings } from "../env";
import { ACTIVITY_ACTIONS, type ActivityEntry } from "./actions";

const entrySchema = v.object({
  id: v.pipe(v.string(), v.uuid()),
  orgId: v.string(),
  at: v.pipe(v.string(), v.isoTimestamp()),
  actor: v.union([v.literal("admin"), v.pipe(v.string(), v.startsWith("scim:"))]),
  action: v.picklist(ACTIVITY_ACTIONS),
  targetType: v.picklist(["organization", "member", "team"]),
  targetId: v.optional(v.string()),
  targetName: v.optional(v.string()),
  changes: v.optional(v.record(v.string(), v.unknown())),
});

/** Seconds before a failed batch is offered again. */
const RETRY_DELAY_SECONDS = 5;

/**
 * The queue consumer: writes a batch to activity_log in one atomic D1 batch. A failure retries the
 * batch; a message that keeps failing (max_retries) goes to the dead-letter queue, never dropped.
 */
export async function consumeActivity(batch: MessageBatch<unknown>, bindings: Bindings): Promise<void> {
  const started = Date.now();
  const entries: ActivityEntry[] = [];
  for (const message of batch.messages) {
    const parsed = v.safeParse(entrySchema, message.body);
    if (parsed.success) {
      entries.push(parsed.output as ActivityEntry);
      continue;
    }
    // Retrying cannot fix it, but it must not vanish: after max_retries it lands in the dead-letter queue.
    console.error(
      JSON.stringify({ event: "activity_malformed", messageId: message.id, issue: parsed.issues[0].message }),
    );
    message.retry({ delaySeconds: RETRY_DELAY_SECONDS });
  }
  try {
    await insertActivityEntries(database(bindings.DB), entries);
  } catch (error) {
    console.error(JSON.stringify({ event: "activity_batch_failed", size: entries.length, error: String(error) }));
    for (const message of batch.messages) message.retry({ delaySeconds: RETRY_DELAY_SECONDS });
    return;
  }
  const written = new Set(entries.map((e) => e.id));
  for (const message of batch.messages) {
    if (written.has((message.body as { id?: string }).id ?? "")) message.ack();
  }
  console.log(
    JSON.stringify({ event: "activity_batch_written", size: entries.length, durationMs: Date.now() - started }),
  );
}
