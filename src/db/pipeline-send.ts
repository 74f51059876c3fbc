import { env } from "cloudflare:workers";
import { deliverEntries } from "./activity-queries";
import type { Database } from "./client";
import type { ActivityEntry, PipelineMessage, ScimRequestRecord } from "./pipeline-messages";
import { insertScimRequests } from "./scim-request-queries";

/** A queue sendBatch carries at most 100 messages and 256 KB: stay below both. */
const MAX_MESSAGES_PER_SEND = 100;
const MAX_BYTES_PER_SEND = 192 * 1024;

/**
 * Puts committed entries on the queue; if the queue refuses them, delivers them to D1 directly. If
 * that fails too, they stay in the outbox, where the cron finds and re-sends them: never lost.
 */
export function sendEntries(db: Database, entries: ActivityEntry[]): Promise<void> {
  return send(
    entries.map((entry) => ({ kind: "activity", entry })),
    () => deliverEntries(db, entries),
  );
}

/** Puts a SCIM request record on the queue, or writes it to D1 directly if the queue refuses it. */
export function sendScimRequest(db: Database, request: ScimRequestRecord): Promise<void> {
  return send([{ kind: "scim_request", request }], () => insertScimRequests(db, [request]));
}

async function send(messages: PipelineMessage[], writeDirectly: () => Promise<void>): Promise<void> {
  try {
    for (const batch of sendBatches(messages)) await env.ACTIVITY_QUEUE.sendBatch(batch);
  } catch (error) {
    const ids = messages.map(messageId);
    console.error(JSON.stringify({ event: "activity_queue_failed", ids, error: errorName(error) }));
    try {
      await writeDirectly();
    } catch (fallbackError) {
      console.error(JSON.stringify({ event: "activity_delivery_deferred", ids, error: errorName(fallbackError) }));
    }
  }
}

const messageId = (message: PipelineMessage) => (message.kind === "activity" ? message.entry : message.request).id;

function sendBatches(messages: PipelineMessage[]): MessageSendRequest<PipelineMessage>[][] {
  const batches: MessageSendRequest<PipelineMessage>[][] = [];
  let current: MessageSendRequest<PipelineMessage>[] = [];
  let bytes = 0;
  for (const body of messages) {
    const size = JSON.stringify(body).length + 64;
    if (current.length === MAX_MESSAGES_PER_SEND || (current.length > 0 && bytes + size > MAX_BYTES_PER_SEND)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push({ body, contentType: "json" });
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Only the error's kind: D1's messages can carry bound parameters, which are not logged. */
const errorName = (error: unknown) => (error instanceof Error ? error.name : typeof error);
