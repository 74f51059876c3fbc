import { PREVIOUS_STATEMENT_CHANGED } from "../db/activity-queries";
import { ChangeBatch } from "../db/change-batch";
import { type Database, statementCount } from "../db/client";
import {
  countHeldStatement,
  exemptStatement,
  heldMembers,
  rejectStatements,
  releaseStatements,
  type SafeguardSettings,
  selectHold,
  selectHoldPage,
  selectOrganizationsReleasing,
  selectSafeguardStatement,
  upsertSettingsStatement,
} from "../db/safeguard-queries";
import { SAFEGUARD_DEFAULTS, type SafeguardHoldStatus } from "../db/schema";
import type { Organization } from "../db/schema-types";
import { DomainError } from "./errors";
import { deleteMember, findMember, memberIfExists, updateMember } from "./members";
import { getOrganization } from "./organizations";
import { type Page, type PageRequest, readPage } from "./pages";
import { actorProviderName } from "./providers";
import { provisioningActor, scimScope } from "./scim-resources";

/**
 * The deprovisioning safeguard of an organization, as the admin API and the console show it and its
 * admin decides on it. What it decides for each SCIM deactivation or deletion is in
 * ./deprovisioning.ts and src/db/safeguard-queries.ts; here are the settings, the held requests, and
 * the admin's release and reject.
 */

const ADMIN = "admin" as const;

export interface SafeguardState {
  enabled: boolean;
  thresholdPercent: number;
  minimumMembers: number;
  windowMinutes: number;
  state: "armed" | "tripped";
  trippedAt: string | null;
  heldCount: number;
  /** The current window: when it started, how many it allows and has applied; null before the first. */
  window: { startedAt: string; limit: number; applied: number; endsAt: string; released: boolean } | null;
  /** When the latest held request was asked (for "in 12 minutes"). */
  lastHeldAt: string | null;
}

export async function safeguardState(db: Database, organization: Organization): Promise<SafeguardState> {
  const [[row], [held]] = await db.batch([
    selectSafeguardStatement(db, organization.id),
    countHeldStatement(db, organization.id),
  ]);
  const settings = row ?? { enabled: true, ...SAFEGUARD_DEFAULTS };
  const windowEnds = (startedAt: string, minutes: number) =>
    new Date(Date.parse(startedAt) + minutes * 60_000).toISOString();
  return {
    enabled: settings.enabled,
    thresholdPercent: settings.thresholdPercent,
    minimumMembers: settings.minimumMembers,
    windowMinutes: settings.windowMinutes,
    state: row?.trippedAt ? "tripped" : "armed",
    trippedAt: row?.trippedAt ?? null,
    heldCount: held?.count ?? 0,
    window: row?.windowStartedAt
      ? {
          startedAt: row.windowStartedAt,
          limit: row.windowLimit,
          applied: row.windowApplied,
          endsAt: windowEnds(row.windowStartedAt, row.windowMinutes),
          released: row.releasedAt !== null,
        }
      : null,
    lastHeldAt: held?.lastAt ?? null,
  };
}

/** Tunes the safeguard or turns it off; the change is in the activity log, old → new. */
export async function updateSafeguardSettings(
  db: Database,
  organization: Organization,
  settings: SafeguardSettings,
): Promise<SafeguardState> {
  const before = await safeguardState(db, organization);
  const changes = Object.fromEntries(
    Object.entries(settings)
      .filter(([key, value]) => before[key as keyof SafeguardSettings] !== value)
      .map(([key, value]) => [key, { from: before[key as keyof SafeguardSettings], to: value }]),
  );
  if (Object.keys(changes).length === 0) return before;
  await new ChangeBatch(db)
    .write(upsertSettingsStatement(db, organization.id, settings))
    .stage({
      orgId: organization.id,
      actor: ADMIN,
      action: "safeguard.updated",
      targetType: "organization",
      targetId: organization.id,
      targetName: organization.name,
      changes,
    })
    .commit();
  return safeguardState(db, organization);
}

/** A held (or rejected, released, exempt) request as the admin reviews it, with its member's name and email. */
export interface HeldRequestView {
  memberId: string;
  userName: string;
  email: string;
  name: string | null;
  status: SafeguardHoldStatus;
  operation: "deactivate" | "delete";
  client: string;
  userAgent: string | null;
  requestId: string | null;
  requestedAt: string;
  decidedAt: string | null;
}

/** The requests in one status, a keyset page in the order they were asked. */
export async function heldRequests(
  db: Database,
  organization: Organization,
  status: SafeguardHoldStatus,
  request: PageRequest,
): Promise<Page<HeldRequestView>> {
  return readPage(
    request,
    async (after, limit) =>
      (
        await selectHoldPage(db, {
          orgId: organization.id,
          status,
          after: after && { at: after[0], id: after[1] },
          limit,
        })
      ).map(
        (hold): HeldRequestView => ({
          memberId: hold.memberId,
          userName: hold.userName,
          email: hold.email,
          name: displayName(hold.memberDocument),
          status: hold.status,
          operation: hold.operation,
          client: actorProviderName(hold.actor),
          userAgent: hold.userAgent,
          requestId: hold.requestId,
          requestedAt: hold.requestedAt,
          decidedAt: hold.decidedAt,
        }),
      ),
    (hold) => [hold.requestedAt, hold.memberId],
  );
}

function displayName(document: Record<string, unknown>): string | null {
  if (typeof document.displayName === "string") return document.displayName;
  const name = (document.name ?? {}) as { givenName?: unknown; familyName?: unknown };
  const parts = [name.givenName, name.familyName].filter((part) => typeof part === "string");
  return parts.length > 0 ? parts.join(" ") : null;
}

/**
 * The statements applying one released request may send, worst case: reading its member (1), the
 * write's batch (decision, write, its entry, hold, two entries, clearing the hold) and a retry of
 * both after a lost race.
 */
const STATEMENTS_PER_RELEASED = 16;
/** Statements a release keeps back for the rest of its request (the organization, the response's state). */
const RELEASE_RESERVE = 10;

export interface ReleaseOutcome {
  released: number;
  applied: number;
  /** Released but not applied yet: applied by the next scheduled run, or when the identity provider sends them again. */
  pending: number;
}

/**
 * Release: every held request is applied, each through the same path as the identity provider's
 * own request (the decision, licences, the activity log), attributed to the identity provider that
 * asked, and the window lets further deactivations through for the rest of its time. The release
 * itself is in the activity log as the admin's.
 */
export async function releaseHeld(db: Database, organization: Organization): Promise<ReleaseOutcome> {
  const [, released] = (await decision(db, organization, "safeguard.released")
    .write(...releaseStatements(db, organization.id))
    .commit()) as [unknown, { memberId: string }[]];
  if (released.length === 0) throw nothingHeld();
  const applied = await applyReleased(db, organization);
  return { released: released.length, applied, pending: released.length - applied };
}

/** An admin's decision on what is held, staged before it is made: its entry names the members it concerns. */
const decision = (db: Database, organization: Organization, action: "safeguard.released" | "safeguard.rejected") =>
  new ChangeBatch(db).stage(
    {
      orgId: organization.id,
      actor: ADMIN,
      action,
      targetType: "organization",
      targetId: organization.id,
      targetName: organization.name,
      changes: {},
    },
    { members: heldMembers(organization.id) },
  );

/**
 * Applies released requests while the invocation's statements allow (a release of thousands spans
 * several scheduled runs); returns how many were applied. Each goes through updateMember or
 * deleteMember as the identity provider, where its `released` hold lets it pass uncounted.
 */
export async function applyReleased(db: Database, organization: Organization): Promise<number> {
  const count = statementCount(db);
  const fits = () => count.statements + STATEMENTS_PER_RELEASED + RELEASE_RESERVE <= count.limit;
  let applied = 0;
  let after: { at: string; id: string } | undefined;
  while (fits()) {
    const page = await selectHoldPage(db, { orgId: organization.id, status: "released", after, limit: 50 });
    for (const hold of page) {
      if (!fits()) return applied;
      if (await applyOne(db, organization, hold)) applied++;
    }
    if (page.length < 50) return applied;
    after = { at: page.at(-1)!.requestedAt, id: page.at(-1)!.memberId };
  }
  return applied;
}

/** The scheduled run's share of releases: what a release's own request could not apply, organization by organization. */
export async function applyPendingReleases(db: Database): Promise<void> {
  for (const orgId of await selectOrganizationsReleasing(db, 20)) {
    await applyReleased(db, await getOrganization(db, orgId));
  }
}

type ReleasedHold = Awaited<ReturnType<typeof selectHoldPage>>[number];

async function applyOne(db: Database, organization: Organization, hold: ReleasedHold): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const member = await memberIfExists(db, scimScope(organization.id), hold.memberId);
    if (!member) return false;
    const origin = { requestId: hold.requestId ?? undefined, userAgent: hold.userAgent ?? undefined };
    try {
      if (hold.operation === "delete") {
        await deleteMember(db, member, hold.actor, [], origin);
      } else {
        // What was asked, on the member as it was asked about; on a member changed since, only its deactivation.
        const document = member.version === hold.baseVersion && hold.document ? hold.document : member.document;
        await updateMember(db, member, { document, active: false }, hold.actor, undefined, origin);
      }
      return true;
    } catch (error) {
      if (error instanceof DomainError && error.code === "version_mismatch") continue;
      if (error instanceof DomainError) return false; // stays released: the identity provider's retry passes
      throw error;
    }
  }
  return false;
}

/** Reject: the held requests are discarded, their members stay active, and the identity provider's retries are refused. */
export async function rejectHeld(db: Database, organization: Organization): Promise<{ rejected: number }> {
  const [, rejected] = (await decision(db, organization, "safeguard.rejected")
    .write(...rejectStatements(db, organization.id))
    .commit()) as [unknown, { memberId: string }[]];
  if (rejected.length === 0) throw nothingHeld();
  return { rejected: rejected.length };
}

/** A member's hold, if the safeguard holds or refused a request about it: for its page. */
export async function memberHold(db: Database, organization: Organization, memberId: string) {
  const hold = await selectHold(db, organization.id, memberId);
  return (
    hold && {
      status: hold.status,
      operation: hold.operation,
      requestedAt: hold.requestedAt,
      client: actorProviderName(hold.actor),
    }
  );
}

/** Turns the safeguard off for one member an admin kept active: the identity provider's next deactivation of it passes. */
export async function exemptMember(db: Database, organization: Organization, memberId: string): Promise<void> {
  const member = await findMember(db, scimScope(organization.id), memberId);
  const [exempted] = (await new ChangeBatch(db)
    .write(exemptStatement(db, organization.id, memberId))
    .stage(
      {
        orgId: organization.id,
        actor: ADMIN,
        action: "member.safeguard_exempted",
        targetType: "member",
        targetId: member.id,
        targetName: member.userName,
      },
      { when: PREVIOUS_STATEMENT_CHANGED },
    )
    .commit()) as [unknown[]];
  if (exempted.length === 0) {
    throw new DomainError("not_found", `The safeguard refuses no deactivation of ${member.userName}.`);
  }
}

const nothingHeld = () =>
  new DomainError(
    "safeguard_not_tripped",
    "The safeguard holds no deactivation or deletion: there is nothing to decide.",
  );

/** Who the activity log names for what the identity provider asked (see provisioningActor). */
export const identityProviderName = (organization: Organization) => actorProviderName(provisioningActor(organization));

const members = (n: number) => `${n} ${n === 1 ? "member" : "members"}`;

/**
 * A trip in one sentence, for the banner and the review page: "Okta asked to deactivate 37 members
 * in 12 minutes; 10 were applied, 27 are held." Undefined while nothing is held.
 */
export function tripSummary(organization: Organization, state: SafeguardState): string | undefined {
  if (state.state !== "tripped" || state.heldCount === 0) return undefined;
  const applied = state.window?.applied ?? 0;
  const from = state.window?.startedAt ?? state.trippedAt ?? state.lastHeldAt;
  const minutes =
    from && state.lastHeldAt ? Math.max(1, Math.ceil((Date.parse(state.lastHeldAt) - Date.parse(from)) / 60_000)) : 1;
  return `${identityProviderName(organization)} asked to deactivate ${members(applied + state.heldCount)} in ${minutes} ${minutes === 1 ? "minute" : "minutes"}; ${applied} ${applied === 1 ? "was" : "were"} applied, ${state.heldCount} ${state.heldCount === 1 ? "is" : "are"} held.`;
}
