import type { ActivityEntry } from "./activity-entries";

/** One SCIM request as the request log keeps it: never a token, a password, a header's secret or a body. */
export interface ScimRequestRecord {
  /** Made at the source, so redelivery can never write it twice (or count it twice in the health counters). */
  id: string;
  orgId: string;
  at: string;
  method: string;
  resourceType?: string;
  resourceId?: string;
  /** In words: `create user`, `patch group: add 3 members, remove 1`. */
  operation: string;
  status: number;
  scimType?: string;
  detail?: string;
  durationMs: number;
  userAgent?: string;
  provider?: string;
  userName?: string;
  externalId?: string;
  displayName?: string;
  /** The request presented a token the organization used to have. */
  staleToken: boolean;
}

/** What travels on the activity queue: activity entries and SCIM request records, each tagged with its kind. */
export type PipelineMessage =
  | { kind: "activity"; entry: ActivityEntry }
  | { kind: "scim_request"; request: ScimRequestRecord };
