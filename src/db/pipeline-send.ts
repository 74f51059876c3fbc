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
    db,
    entries.map((entry) => ({ kind: "activity", entry })),
    () => deliverEntries(db, entries),
  );
}

/** Puts a SCIM request record on the queue, or writes it to D1 directly if the queue refuses it. */
export function sendScimRequest(db: Database, request: ScimRequestRecord): Promise<void> {
  return send(db, [{ kind: "scim_request", request }], () => insertScimRequests(db, [request]));
}

/** Messages handed over together, with their own way to D1 should the queue refuse them. */
interface Outgoing {
  messages: PipelineMessage[];
  writeDirectly: () => Promise<void>;
}

/**
 * What an invocation has handed over in the current turn of the event loop, by its database handle
 * (one per invocation): only an invocation's own promises may wait on its I/O, so the messages of
 * concurrent requests never share a send.
 */
const pending = new WeakMap<Database, { groups: Outgoing[]; delivery: Promise<void> }>();

/**
 * Queues messages to go out once the current turn is over: after the response of the request that
 * made them, so it never waits for the queue, and in one send with everything else the invocation
 * handed over in the same turn (a write's activity entries and its request record). The promise
 * settles once they are sent or written directly; callers keep it in waitUntil.
 */
function send(db: Database, messages: PipelineMessage[], writeDirectly: () => Promise<void>): Promise<void> {
  let turn = pending.get(db);
  if (!turn) {
    const groups: Outgoing[] = [];
    const delivery = new Promise((resolve) => setTimeout(resolve, 0)).then(() => {
      pending.delete(db);
      return deliver(groups);
    });
    turn = { groups, delivery };
    pending.set(db, turn);
  }
  turn.groups.push({ messages, writeDirectly });
  return turn.delivery;
}

async function deliver(groups: Outgoing[]): Promise<void> {
  const messages = groups.flatMap((group) => group.messages);
  try {
    for (const batch of sendBatches(messages)) await env.ACTIVITY_QUEUE.sendBatch(batch);
  } catch (error) {
    console.error(
      JSON.stringify({ event: "activity_queue_failed", ids: messages.map(messageId), error: errorName(error) }),
    );
    for (const group of groups) {
      try {
        await group.writeDirectly();
      } catch (fallbackError) {
        const ids = group.messages.map(messageId);
        console.error(JSON.stringify({ event: "activity_delivery_deferred", ids, error: errorName(fallbackError) }));
      }
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
