import * as v from "valibot";
import { recordSchema } from "./records";
import { activityLog, scimRequests } from "./schema";

const uuid = v.pipe(v.string(), v.uuid());
const isoTimestamp = v.pipe(v.string(), v.isoTimestamp());

/** One activity log entry as it is staged in the outbox, travels through the queue and lands in activity_log. */
export const activityEntrySchema = recordSchema(activityLog, {
  refine: {
    id: uuid,
    at: isoTimestamp,
    actor: v.union([v.literal("admin"), v.pipe(v.string(), v.startsWith("scim:"))]) as v.GenericSchema<
      unknown,
      "admin" | `scim:${string}`
    >,
    changes: v.record(v.string(), v.unknown()),
  },
});
export type ActivityEntry = v.InferOutput<typeof activityEntrySchema>;

/** What a change stages: the entry but its id and time, which the batch gives it. */
export type ActivityInput = Omit<ActivityEntry, "id" | "at">;

/**
 * One SCIM request as the request log keeps it: never a token, a password, a header's secret or a
 * body. `failed` and `subjectLower` are derived from it when it is stored.
 */
export const scimRequestRecordSchema = recordSchema(scimRequests, {
  derived: ["failed", "subjectLower"],
  refine: { id: uuid, at: isoTimestamp },
});
export type ScimRequestRecord = v.InferOutput<typeof scimRequestRecordSchema>;

/** What travels on the activity queue: activity entries and SCIM request records, each tagged with its kind. */
export const pipelineMessageSchema = v.variant("kind", [
  v.object({ kind: v.literal("activity"), entry: activityEntrySchema }),
  v.object({ kind: v.literal("scim_request"), request: scimRequestRecordSchema }),
]);
export type PipelineMessage = v.InferOutput<typeof pipelineMessageSchema>;
