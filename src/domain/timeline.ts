import { selectActivityPage, selectPendingEntriesAbout } from "../db/activity-queries";
import type { Database } from "../db/client";
import type { Member, ScimRequestRow } from "../db/schema-types";
import { selectScimRequestPage } from "../db/scim-request-queries";

type ActivityRow = Awaited<ReturnType<typeof selectActivityPage>>[number];

export type TimelineItem = { at: string } & (
  | { kind: "activity"; entry: ActivityRow }
  | { kind: "request"; request: ScimRequestRow }
);

/**
 * One member's own history, newest first: the activity entries about it and the SCIM requests that
 * concerned it (by id, or by userName before it had one, as for a refused create), failures included.
 * Entries still on their way through the queue are read from the outbox, so the change an admin just
 * saved is there on the very next page view.
 */
export async function memberTimeline(db: Database, member: Member, limit = 25): Promise<TimelineItem[]> {
  const about = { orgId: member.orgId, targetId: member.id };
  const [entries, pending, requests] = await Promise.all([
    selectActivityPage(db, { ...about, limit }),
    selectPendingEntriesAbout(db, about, limit),
    selectScimRequestPage(db, {
      orgId: member.orgId,
      concerning: { id: member.id, userName: member.userName },
      limit,
    }),
  ]);
  // An entry delivered between the two reads is in both: once is enough.
  const delivered = new Set(entries.map((entry) => entry.id));
  const items: TimelineItem[] = [
    ...entries.map((entry) => ({ kind: "activity" as const, at: entry.at, entry })),
    ...pending
      .filter((entry) => !delivered.has(entry.id))
      .map((entry) => ({ kind: "activity" as const, at: entry.at, entry })),
    ...requests.map((request) => ({ kind: "request" as const, at: request.at, request })),
  ];
  return items.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, limit);
}

/** The actions by which an identity provider changes a member. */
const PROVIDER_CHANGES = new Set(["member.created", "member.updated", "member.deactivated", "member.reactivated"]);

/**
 * When the identity provider last changed a provisioned member: from its timeline (which holds what
 * the queue has not delivered yet), else from the activity log; undefined if it never did.
 */
export async function lastChangedByProvider(
  db: Database,
  member: Member,
  timeline: TimelineItem[],
): Promise<string | undefined> {
  const changedBy = (actor: string, action: string) => actor.startsWith("scim:") && PROVIDER_CHANGES.has(action);
  const recent = timeline.find((item) => item.kind === "activity" && changedBy(item.entry.actor, item.entry.action));
  if (recent) return recent.at;
  if (!member.provisioned) return undefined;
  const entries = await selectActivityPage(db, {
    orgId: member.orgId,
    targetId: member.id,
    actor: `scim:${member.source}`,
    limit: 20,
  });
  return entries.find((entry) => PROVIDER_CHANGES.has(entry.action))?.at;
}
