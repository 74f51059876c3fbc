import type { Database } from "../db/client";
import { getOrganization } from "./organizations";
import { safeguardState, tripSummary } from "./safeguard";

/**
 * Something about an organization its admin must see on every page, whatever they came to do: a
 * banner above the page. `href` is a path under the organization's console pages (`/safeguard`);
 * the console places it under the organization.
 */
export interface Alert {
  key: string;
  tone: "warning" | "danger";
  text: string;
  actions: { label: string; href: string }[];
}

/** The organization's banners, most urgent first: while the deprovisioning safeguard holds requests, what it holds. */
export async function organizationAlerts(db: Database, orgId: string): Promise<Alert[]> {
  const organization = await getOrganization(db, orgId);
  const held = tripSummary(organization, await safeguardState(db, organization));
  return held
    ? [{ key: "safeguard-tripped", tone: "danger", text: held, actions: [{ label: "Review", href: "/safeguard" }] }]
    : [];
}
