import { and, eq, lte, sql } from "drizzle-orm";
import { PREVIOUS_STATEMENT_CHANGED } from "../db/activity-queries";
import { ChangeBatch } from "../db/change-batch";
import type { Database } from "../db/client";
import { now } from "../db/clock";
import { licenceLimitBroken } from "../db/constraints";
import {
  selectMemberTotal,
  selectOrganizationKeysetPage,
  selectOrganizationStatement,
} from "../db/organization-queries";
import type { ActivityInput } from "../db/pipeline-messages";
import { organizations, type ScimProvider } from "../db/schema";
import type { Organization } from "../db/schema-types";
import { tokenChangeStatements } from "../db/scim-request-queries";
import { newOrganizationId } from "../db/shards";
import { DomainError } from "./errors";
import { type Page, type PageKey, type PageRequest, readPage } from "./pages";
import { generateSecretToken, hashesEqual, hashToken } from "./tokens";

const ADMIN = "admin" as const;

/** Conditional writes of organization settings are tried again on a fresh read this many times. */
const WRITE_ATTEMPTS = 5;

/**
 * Creates an organization on the shard the operator names, else on the one holding the fewest
 * members (the lowest-numbered of equals); its id names that shard (see src/db/shards.ts).
 */
export async function createOrganization(
  shards: Database[],
  { shard: named, ...input }: { name: string; licenses: number; memberQuota?: number; shard?: number },
): Promise<PlacedOrganization> {
  if (named !== undefined && named >= shards.length) {
    throw new DomainError("invalid_input", `shard: there are ${shards.length} shards, numbered from 0.`);
  }
  const shard = named ?? (await leastLoadedShard(shards));
  const db = shards[shard];
  const timestamp = now();
  const row = { id: newOrganizationId(shard), ...input, createdAt: timestamp, updatedAt: timestamp };
  const [[organization]] = (await new ChangeBatch(db)
    .write(db.insert(organizations).values(row).returning())
    .stage({
      ...organizationTarget(row),
      action: "organization.created",
      changes: {
        name: input.name,
        licenses: input.licenses,
        ...(input.memberQuota ? { memberQuota: input.memberQuota } : {}),
      },
    })
    .commit()) as [Organization[]];
  return { ...organization, shard };
}

/** The shard holding the fewest members, every organization's counted (one query per shard, side by side). */
async function leastLoadedShard(shards: Database[]): Promise<number> {
  const totals = await Promise.all(shards.map((db) => selectMemberTotal(db)));
  return totals.indexOf(Math.min(...totals));
}

export async function getOrganization(db: Database, id: string): Promise<Organization> {
  const [organization] = await selectOrganizationStatement(db, id);
  if (!organization) throw new DomainError("not_found", `No organization ${id}.`);
  return organization;
}

/** An organization with the shard that holds it. */
export type PlacedOrganization = Organization & { shard: number };

/**
 * The operator's organization list over every shard: names containing `q` (any case), a keyset
 * page in creation order. Each shard reads its own page after the cursor, side by side; the pages
 * are merged and cut, so a page costs one round trip whatever the number of shards.
 */
export function listOrganizations(
  shards: Database[],
  q: string | undefined,
  request: PageRequest,
): Promise<Page<PlacedOrganization>> {
  return readPage(
    request,
    async (after, limit) => {
      const pages = await Promise.all(
        shards.map(async (db, shard) =>
          (
            await selectOrganizationKeysetPage(db, { q, after: after && { createdAt: after[0], id: after[1] }, limit })
          ).map((organization) => ({ ...organization, shard })),
        ),
      );
      return pages
        .flat()
        .sort((a, b) => compareKeys([a.createdAt, a.id], [b.createdAt, b.id]))
        .slice(0, limit);
    },
    (organization) => [organization.createdAt, organization.id],
  );
}

const compareKeys = (a: PageKey, b: PageKey) => (a[0] === b[0] ? compareText(a[1], b[1]) : compareText(a[0], b[0]));
/** SQLite's order of text (BINARY: by code unit, as these keys are ASCII), not the locale's. */
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Renames or resizes an organization; the write goes ahead only on the values it read (retried
 * otherwise). Licences never go below those in use, the member quota never below the members held.
 */
export async function updateOrganization(
  db: Database,
  id: string,
  input: { name?: string; licenses?: number; memberQuota?: number },
): Promise<Organization> {
  for (let attempt = 1; ; attempt++) {
    const before = await getOrganization(db, id);
    if (input.memberQuota !== undefined && input.memberQuota < before.memberCount) {
      throw new DomainError(
        "member_quota_below_members",
        `The member quota cannot go below the ${before.memberCount} members the organization holds.`,
      );
    }
    const changes = Object.fromEntries(
      (["name", "licenses", "memberQuota"] as const)
        .filter((key) => input[key] !== undefined && input[key] !== before[key])
        .map((key) => [key, { from: before[key], to: input[key] }]),
    );
    const batch = new ChangeBatch(db).write(
      db
        .update(organizations)
        .set({ ...input, updatedAt: now() })
        .where(
          and(
            eq(organizations.id, id),
            eq(organizations.name, before.name),
            eq(organizations.licenses, before.licenses),
            eq(organizations.memberQuota, before.memberQuota),
            // A member added since the read could put the count above the new quota: then read again.
            input.memberQuota === undefined ? undefined : lte(organizations.memberCount, input.memberQuota),
          ),
        )
        .returning(),
    );
    if (Object.keys(changes).length > 0) {
      batch.stage(
        { ...organizationTarget({ id, name: input.name ?? before.name }), action: "organization.updated", changes },
        { when: PREVIOUS_STATEMENT_CHANGED },
      );
    }
    let after: Organization | undefined;
    try {
      [[after]] = (await batch.commit()) as [Organization[]];
    } catch (error) {
      if (!licenceLimitBroken(error)) throw error;
      const current = await getOrganization(db, id);
      throw new DomainError(
        "licenses_below_used",
        `Licences cannot go below the ${current.licensesUsed} in use by active members.`,
      );
    }
    if (after) return after;
    if (attempt === WRITE_ATTEMPTS) {
      throw new DomainError("version_mismatch", `Organization ${id} was changed by another request; retry.`);
    }
  }
}

/** The result of turning provisioning on or rotating the token: the only moment the token is visible. */
export interface IssuedToken {
  organization: Organization;
  token?: string;
}

/**
 * Turns SCIM provisioning on or off. Turning it on issues a fresh token (unless it is already on);
 * turning it off forgets the token hash, so every SCIM request for the tenant fails at once.
 */
export async function setScimProvisioning(
  db: Database,
  id: string,
  input: { enabled: boolean; provider?: ScimProvider },
): Promise<IssuedToken> {
  for (let attempt = 1; ; attempt++) {
    const current = await getOrganization(db, id);
    const issued = await applyScimProvisioning(db, current, input);
    if (issued) return issued;
    if (attempt === WRITE_ATTEMPTS) {
      throw new DomainError("version_mismatch", `Organization ${id} was changed by another request; retry.`);
    }
  }
}

/** One attempt: the write goes ahead only on the settings it read; undefined when they changed meanwhile. */
async function applyScimProvisioning(
  db: Database,
  current: Organization,
  input: { enabled: boolean; provider?: ScimProvider },
): Promise<IssuedToken | undefined> {
  if (input.enabled && current.scimEnabled) {
    if (!input.provider || input.provider === current.scimProvider) return { organization: current };
    const organization = await writeScimSettings(
      db,
      current,
      { scimProvider: input.provider },
      { action: "scim.enabled", changes: { provider: { from: current.scimProvider, to: input.provider } } },
    );
    return organization && { organization };
  }
  if (!input.enabled) {
    if (!current.scimEnabled) return { organization: current };
    const organization = await writeScimSettings(
      db,
      current,
      { scimEnabled: false, scimTokenHash: null, scimTokenCreatedAt: null },
      { action: "scim.disabled" },
    );
    return organization && { organization };
  }
  const provider = input.provider ?? "okta";
  const token = generateSecretToken();
  const organization = await writeScimSettings(
    db,
    current,
    { scimEnabled: true, scimProvider: provider, ...(await tokenColumns(token)) },
    { action: "scim.enabled", changes: { provider } },
  );
  return organization && { organization, token };
}

/** Issues a new token; the previous one stops working with this write. */
export async function rotateScimToken(db: Database, id: string): Promise<Required<IssuedToken>> {
  for (let attempt = 1; ; attempt++) {
    const current = await getOrganization(db, id);
    if (!current.scimEnabled) {
      throw new DomainError("not_found", "SCIM provisioning is not enabled for this organization.");
    }
    const token = generateSecretToken();
    const organization = await writeScimSettings(db, current, await tokenColumns(token), {
      action: "scim.token_rotated",
    });
    if (organization) return { organization, token };
    if (attempt === WRITE_ATTEMPTS) {
      throw new DomainError("version_mismatch", `Organization ${id} was changed by another request; retry.`);
    }
  }
}

/**
 * The organization a SCIM token opens, or undefined: unknown tenant, provisioning off or wrong token.
 * Takes the presented token's hash (hashToken), which the request computes once for this and its rate limit.
 */
export function verifyScimToken(
  organization: Organization | undefined,
  presentedHash: string,
): Organization | undefined {
  if (!organization?.scimEnabled || !organization.scimTokenHash) return undefined;
  return hashesEqual(presentedHash, organization.scimTokenHash) ? organization : undefined;
}

async function tokenColumns(token: string) {
  return { scimTokenHash: await hashToken(token), scimTokenCreatedAt: now() };
}

/**
 * Writes SCIM settings, with their activity entry, if they are still those read (enabled, provider,
 * token); undefined otherwise.
 */
async function writeScimSettings(
  db: Database,
  current: Organization,
  settings: Partial<typeof organizations.$inferInsert>,
  activity: Pick<ActivityInput, "action" | "changes">,
): Promise<Organization | undefined> {
  const [[organization]] = (await new ChangeBatch(db)
    .write(
      db
        .update(organizations)
        .set({ ...settings, updatedAt: now() })
        .where(
          and(
            eq(organizations.id, current.id),
            eq(organizations.scimEnabled, current.scimEnabled),
            sql`${organizations.scimProvider} IS ${current.scimProvider}`,
            sql`${organizations.scimTokenHash} IS ${current.scimTokenHash}`,
          ),
        )
        .returning(),
    )
    .stage({ ...organizationTarget(current), ...activity }, { when: PREVIOUS_STATEMENT_CHANGED })
    .write(
      ...(settings.scimTokenHash === undefined
        ? []
        : tokenChangeStatements(db, {
            orgId: current.id,
            retiredHash: current.scimTokenHash,
            newHash: settings.scimTokenHash,
            at: now(),
          })),
    )
    .commit()) as [Organization[]];
  return organization;
}

function organizationTarget(organization: { id: string; name: string }) {
  return {
    orgId: organization.id,
    actor: ADMIN,
    targetType: "organization" as const,
    targetId: organization.id,
    targetName: organization.name,
  };
}
