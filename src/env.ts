import type { ExecutionContext } from "hono";
import type { Database, InvocationStorage } from "./db/client";
import type { PipelineMessage } from "./db/pipeline-messages";
import type { Organization } from "./db/schema-types";
import type { ShardBinding } from "./db/shards";
import type { RetentionSettings } from "./domain/retention";
import type { ScimError } from "./scim/errors";
import type { Projection } from "./scim/projection";

export interface Bindings extends RetentionSettings {
  /** The control plane (wrangler.toml; src/db/control-schema.ts). */
  DB_CONTROL: D1Database;
  /** The shards holding the organizations: DB_SHARD_0 … DB_SHARD_N (src/db/shards.ts). */
  DB_SHARD_0: D1Database;
  [shard: ShardBinding]: D1Database | undefined;
  /** The control panel's API secret (a Worker secret; `.dev.vars` locally). */
  ADMIN_TOKEN: string;
  /** Producer of the activity pipeline; the same worker consumes it into activity_log. */
  ACTIVITY_QUEUE: Queue<PipelineMessage>;
  /**
   * Optional secret that signs SCIM list cursors (RFC 9865). Unset, cursors are signed with a key
   * derived from ADMIN_TOKEN, so rotating the admin token ends the cursors in flight.
   */
  CURSOR_SECRET?: string;
  /** Authenticated SCIM requests per tenant ([[ratelimits]] in wrangler.toml). */
  TENANT_RATE_LIMIT: RateLimit;
  /** Failed SCIM authentications per client IP ([[ratelimits]] in wrangler.toml). */
  AUTH_FAILURE_RATE_LIMIT: RateLimit;
  /**
   * Multiplies the per-tenant limit (default 1) by counting a tenant's requests on that many keys in
   * turn. Only for load tests that drive one tenant far beyond any identity provider (the benchmark).
   */
  TENANT_RATE_LIMIT_SCALE?: string;
  /** `off` stops recording SCIM requests (the benchmark compares a write with and without the log). */
  SCIM_REQUEST_LOG?: string;
}

/** What every request carries from the app's first middleware on. */
export interface StorageVariables {
  /** The request's database, the shard of its organization, chosen once per request by the app (see invocationStorage). */
  db: Database;
  /** The request's storage: `db`, and the control plane and other shards for what spans organizations. */
  storage: InvocationStorage;
}

/** Runs a request through the whole app as a request of its own, with these bindings: a /Bulk operation. */
export type Dispatch = (
  request: Request,
  env: Bindings,
  executionCtx: ExecutionContext,
) => Response | Promise<Response>;

export interface Variables extends StorageVariables {
  /** Set by the app, which the routes below it cannot import (see routes/scim/bulk.ts). */
  dispatch: Dispatch;
  /** The tenant a SCIM request authenticated as, set by the SCIM auth middleware. */
  organization: Organization;
  /** The Bearer token a SCIM request presented, verified by `authorize` with the request's first reads. */
  presentedToken: string;
  /** The request's `attributes` / `excludedAttributes`, parsed once. */
  projection: Projection;
  /** The tenant's row as `authorize` read it, before the token was checked (for the request log). */
  tenant: Organization | undefined;
  /** The SCIM error a request was answered with, for the request log. */
  scimError: ScimError;
  /** Whom a SCIM request concerned, and what its PATCH did in words: set by the handlers for the request log. */
  requestSubject: RequestSubject;
  /** The id of the request's record in the SCIM request log, made when the request arrives. */
  requestId: string;
  operationDetail: string;
}

export interface RequestSubject {
  id?: string;
  userName?: string;
  externalId?: string;
  displayName?: string;
}

export type AppEnv = { Bindings: Bindings; Variables: Variables };

declare global {
  // The `env` of `cloudflare:workers` is this worker's bindings.
  namespace Cloudflare {
    interface Env extends Bindings {}
  }
}
