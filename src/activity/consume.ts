import * as v from "valibot";
import { deliverEntries } from "../db/activity-queries";
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

const messageSchema = v.object({ kind: v.literal("activity"), entry: entrySchema });

/**
 * The queue consumer: writes a batch to activity_log and clears it from the outbox, in one atomic D1
 * batch. A failure retries the batch; a message that keeps failing (max_retries) goes to the
 * dead-letter queue, and its entry stays in the outbox for the cron to send again: never dropped.
 */
export async function consumeActivity(batch: MessageBatch<unknown>, bindings: Bindings): Promise<void> {
  const started = Date.now();
  const delivered: { message: Message<unknown>; entry: ActivityEntry }[] = [];
  for (const message of batch.messages) {
    const parsed = v.safeParse(messageSchema, message.body);
    if (parsed.success) {
      delivered.push({ message, entry: parsed.output.entry as ActivityEntry });
      continue;
    }
    // Retrying cannot fix it, but it must not vanish: after max_retries it lands in the dead-letter queue.
    console.error(
      JSON.stringify({ event: "activity_malformed", messageId: message.id, issue: parsed.issues[0].message }),
    );
    message.retry();
  }
  try {
    await deliverEntries(
      database(bindings.DB),
      delivered.map((d) => d.entry),
    );
  } catch (error) {
    console.error(
      JSON.stringify({
        event: "activity_batch_failed",
        ids: delivered.map((d) => d.entry.id),
        attempts: Math.max(0, ...delivered.map((d) => d.message.attempts)),
        error: error instanceof Error ? error.name : typeof error,
      }),
    );
    // Offered again after the consumer's retry_delay (wrangler.toml).
    for (const { message } of delivered) message.retry();
    return;
  }
  for (const { message } of delivered) message.ack();
  console.log(
    JSON.stringify({ event: "activity_batch_written", size: delivered.length, durationMs: Date.now() - started }),
  );
}

/**
 * The dead-letter queue's consumer: says loudly which entries the queue gave up on, and lets go of the
 * messages. The entries themselves are still pending in the outbox, which the cron sends again.
 */
export function consumeDeadLetters(batch: MessageBatch<unknown>): void {
  for (const message of batch.messages) {
    const parsed = v.safeParse(messageSchema, message.body);
    const entry = parsed.success ? { id: parsed.output.entry.id, orgId: parsed.output.entry.orgId } : {};
    console.error(JSON.stringify({ event: "activity_dead_lettered", messageId: message.id, ...entry }));
    message.ack();
  }
}
