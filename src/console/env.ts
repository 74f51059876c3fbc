import type { Organization } from "../db/schema-types";
import type { ConsoleSession } from "../domain/console-sessions";
import type { Bindings, StorageVariables } from "../env";

export interface ConsoleVariables extends StorageVariables {
  /** The signed-in session, set by `requireSession`. */
  session: ConsoleSession;
  /** The organization a page under /console/orgs/:orgId belongs to, checked against the session's scope. */
  organization: Organization;
}

export type ConsoleEnv = { Bindings: Bindings; Variables: ConsoleVariables };
