import type { Database } from "../db/client";
import type { ConflictKind } from "../db/schema";
import { openConflictCounts } from "./conflicts";
import { getOrganization } from "./organizations";
import { providerName } from "./providers";
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

/** Why provisioning fails, by the open conflicts that say so, and what the admin can do about it. */
const FAILING: { key: string; kinds: ConflictKind[]; why: string; fix?: { label: string; href: string } }[] = [
  {
    key: "provisioning-no-licence",
    kinds: ["no_licence", "reactivation_refused"],
    why: "no licences left",
    fix: { label: "Add licences", href: "/settings#licences-heading" },
  },
  { key: "provisioning-member-quota", kinds: ["member_quota"], why: "the member quota is reached" },
  {
    key: "provisioning-name-taken",
    kinds: ["name_taken", "email_held_by_manual_member"],
    why: "their email or username belongs to another member",
  },
];

/**
 * The organization's banners, most urgent first: while the deprovisioning safeguard holds requests,
 * what it holds; while provisioning is failing (open conflicts of a refused create or reactivation),
 * how many members could not be provisioned, and why.
 */
export async function organizationAlerts(db: Database, orgId: string): Promise<Alert[]> {
  const [organization, counts] = await Promise.all([getOrganization(db, orgId), openConflictCounts(db, orgId)]);
  const held = tripSummary(organization, await safeguardState(db, organization));
  const alerts: Alert[] = held
    ? [{ key: "safeguard-tripped", tone: "danger", text: held, actions: [{ label: "Review", href: "/safeguard" }] }]
    : [];
  for (const failing of FAILING) {
    const rows = counts.filter((row) => failing.kinds.includes(row.kind));
    const count = rows.reduce((sum, row) => sum + row.count, 0);
    if (count === 0) continue;
    const provider = providerName(rows[0].provider);
    alerts.push({
      key: failing.key,
      tone: "warning",
      text: `${count} ${count === 1 ? "member" : "members"} from ${provider} could not be provisioned: ${failing.why}.`,
      actions: [...(failing.fix ? [failing.fix] : []), { label: "Review", href: "/conflicts" }],
    });
  }
  return alerts;
}

/** How many conflicts wait for the admin's decision, for the count on the Conflicts item. */
export async function openConflictTotal(db: Database, orgId: string): Promise<number> {
  return (await openConflictCounts(db, orgId)).reduce((sum, row) => sum + row.count, 0);
}
