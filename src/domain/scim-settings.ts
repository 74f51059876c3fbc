import type { Database } from "../db/client";
import type { Organization } from "../db/schema-types";
import { countProvisioned } from "../db/team-queries";
import { readOnlyNotice } from "./read-only";
import { connectionHealth } from "./scim-health";

/**
 * What the control panel shows of an organization's provisioning besides its settings: how many
 * members and teams the identity provider provisioned, whether the read-only notice is due (the
 * rule of readOnlyNotice, as the console shows it), and the connection's health.
 */
export async function scimSettings(db: Database, organization: Organization) {
  const [provisioned, health] = await Promise.all([
    countProvisioned(db, organization.id),
    connectionHealth(db, organization),
  ]);
  return {
    provisionedMembers: provisioned.members,
    provisionedTeams: provisioned.teams,
    readOnlyNotice: readOnlyNotice(organization) !== undefined,
    health,
  };
}
