import type { Organization } from "./db/schema-types";

export interface Bindings {
  DB: D1Database;
  /** The control panel's API secret (a Worker secret; `.dev.vars` locally). */
  ADMIN_TOKEN: string;
}

export interface Variables {
  /** The tenant a SCIM request authenticated as, set by the SCIM auth middleware. */
  organization: Organization;
}

export type AppEnv = { Bindings: Bindings; Variables: Variables };
