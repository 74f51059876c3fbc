import * as v from "valibot";
import { deliveryStatements } from "../db/activity-queries";
import type { Database } from "../db/client";
import {
  type ActivityEntry,
  type PipelineMessage,
  pipelineMessageSchema,
  type ScimRequestRecord,
} from "../db/pipeline-messages";
import { scimRequestStatements } from "../db/scim-request-queries";

/** A queue message's body as the pipeline sends it, or the first reason it is not one: retrying cannot fix that. */
export function readPipelineMessage(body: unknown): { message: PipelineMessage } | { issue: string } {
  const parsed = v.safeParse(pipelineMessageSchema, body);
  return parsed.success ? { message: parsed.output } : { issue: parsed.issues[0].message };
}

/** The organization a message is about: its shard is where it lands. */
export const pipelineMessageOrganization = (message: PipelineMessage): string =>
  message.kind === "activity" ? message.entry.orgId : message.request.orgId;

/**
 * Delivered messages land in one atomic D1 batch: activity entries in activity_log (cleared from the
 * outbox), SCIM request records in scim_requests. Ids made at the source keep a redelivery from
 * writing (or counting) anything twice.
 */
export async function writeDelivered(db: Database, entries: ActivityEntry[], requests: ScimRequestRecord[]) {
  const [first, ...rest] = [...deliveryStatements(db, entries), ...scimRequestStatements(db, requests)];
  if (first) await db.batch([first, ...rest]);
}
