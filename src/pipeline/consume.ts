import type { Database, InvocationStorage } from "../db/client";
import type { ActivityEntry, ScimRequestRecord } from "../db/pipeline-messages";
import { pipelineMessageOrganization, readPipelineMessage, writeDelivered } from "../domain/activity-delivery";

/**
 * The queue consumer: writes a batch's activity entries to activity_log (clearing them from the
 * outbox) and its SCIM request records to scim_requests, all in one atomic D1 batch; ids made at
 * the source keep redelivery from writing (or counting) anything twice. A failure retries the batch;
 * a message that keeps failing (max_retries) goes to the dead-letter queue, and an activity entry
 * stays in the outbox for the cron to send again: never dropped.
 */
export async function consumeActivity(batch: MessageBatch<unknown>, storage: InvocationStorage): Promise<void> {
  const byShard = new Map<Database, Message<unknown>[]>();
  for (const message of batch.messages) {
    const read = readPipelineMessage(message.body);
    const orgId = "issue" in read ? undefined : pipelineMessageOrganization(read.message);
    const db = orgId === undefined ? storage.db : await storage.organizationDatabase(orgId);
    byShard.set(db, [...(byShard.get(db) ?? []), message]);
  }
  // Each shard's messages in a batch of their own: one shard failing holds back no other's.
  await Promise.all([...byShard].map(([db, messages]) => consumeOnShard(db, messages)));
}

async function consumeOnShard(db: Database, messages: readonly Message<unknown>[]): Promise<void> {
  const started = Date.now();
  const accepted: { message: Message<unknown>; id: string }[] = [];
  const entries: ActivityEntry[] = [];
  const requests: ScimRequestRecord[] = [];
  for (const message of messages) {
    const read = readPipelineMessage(message.body);
    if ("issue" in read) {
      // Retrying cannot fix it, but it must not vanish: after max_retries it lands in the dead-letter queue.
      console.error(JSON.stringify({ event: "activity_malformed", messageId: message.id, issue: read.issue }));
      message.retry();
      continue;
    }
    const body = read.message;
    if (body.kind === "activity") entries.push(body.entry);
    else requests.push(body.request);
    accepted.push({ message, id: body.kind === "activity" ? body.entry.id : body.request.id });
  }
  try {
    await writeDelivered(db, entries, requests);
  } catch (error) {
    console.error(
      JSON.stringify({
        event: "activity_batch_failed",
        ids: accepted.map((a) => a.id),
        attempts: Math.max(0, ...accepted.map((a) => a.message.attempts)),
        error: error instanceof Error ? error.name : typeof error,
      }),
    );
    // Offered again after the consumer's retry_delay (wrangler.toml).
    for (const { message } of accepted) message.retry();
    return;
  }
  for (const { message } of accepted) message.ack();
  console.log(
    JSON.stringify({
      event: "activity_batch_written",
      size: accepted.length,
      entries: entries.length,
      scimRequests: requests.length,
      durationMs: Date.now() - started,
    }),
  );
}

/**
 * The dead-letter queue's consumer: says loudly which messages the queue gave up on, and lets go of
 * them. Activity entries are still pending in the outbox, which the cron sends again.
 */
export function consumeDeadLetters(batch: MessageBatch<unknown>): void {
  for (const message of batch.messages) {
    const read = readPipelineMessage(message.body);
    const about =
      "issue" in read
        ? {}
        : {
            kind: read.message.kind,
            id: (read.message.kind === "activity" ? read.message.entry : read.message.request).id,
            orgId: pipelineMessageOrganization(read.message),
          };
    console.error(JSON.stringify({ event: "activity_dead_lettered", messageId: message.id, ...about }));
    message.ack();
  }
}
