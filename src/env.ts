import type { PipelineMessage } from "./activity/messages";
import type { Organization } from "./db/schema-types";
import type { Projection } from "./scim/projection";

export interface Bindings {
  DB: D1Database;
  /** The control panel's API secret (a Worker secret; `.dev.vars` locally). */
  ADMIN_TOKEN: string;
  /** Producer of the activity pipeline; the same worker consumes it into activity_log. */
  ACTIVITY_QUEUE: Queue<PipelineMessage>;
  /**
   * Optional secret that signs SCIM list cursors (RFC 9865). Unset, cursors are signed with a key
   * derived from ADMIN_TOKEN, so rotating the admin token ends the cursors in flight.
   */
  CURSOR_SECRET?: string;
  /** Days activity entries are kept (default 365). */
  ACTIVITY_RETENTION_DAYS?: string;
}

export interface Variables {
  /** The tenant a SCIM request authenticated as, set by the SCIM auth middleware. */
  organization: Organization;
  /** The Bearer token a SCIM request presented, verified by `authorize` with the request's first reads. */
  presentedToken: string;
  /** The request's `attributes` / `excludedAttributes`, parsed once. */
  projection: Projection;
}

export type AppEnv = { Bindings: Bindings; Variables: Variables };

declare global {
  // The `env` of `cloudflare:workers` is this worker's bindings.
  namespace Cloudflare {
    interface Env extends Bindings {}
  }
}
