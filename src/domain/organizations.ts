import { and, eq } from "drizzle-orm";
import { recordActivity } from "../activity/record";
import { constraintFailed, type Database } from "../db/client";
import { organizations, type ScimProvider } from "../db/schema";
import type { Organization } from "../db/schema-types";
import { now } from "./clock";
import { DomainError } from "./errors";
import { LICENCE_CONSTRAINT } from "./licences";
import { generateSecretToken, hashToken, tokenMatchesHash } from "./tokens";

const ADMIN = "admin" as const;

export async function createOrganization(
  db: Database,
  input: { name: string; licenses: number },
): Promise<Organization> {
  const timestamp = now();
  const [organization] = await db
    .insert(organizations)
    .values({ id: crypto.randomUUID(), ...input, createdAt: timestamp, updatedAt: timestamp })
    .returning();
  await recordActivity(db, {
    orgId: organization.id,
    actor: ADMIN,
    action: "organization.created",
    targetType: "organization",
    targetId: organization.id,
    targetName: organization.name,
    changes: { name: input.name, licenses: input.licenses },
  });
  return organization;
}

export async function getOrganization(db: Database, id: string): Promise<Organization> {
  const organization = await db.query.organizations.findFirst({ where: eq(organizations.id, id) });
  if (!organization) throw new DomainError("not_found", `No organization ${id}.`);
  return organization;
}

export async function updateOrganization(
  db: Database,
  id: string,
  input: { name?: string; licenses?: number },
): Promise<Organization> {
  const before = await getOrganization(db, id);
  let after: Organization | undefined;
  try {
    [after] = await db
      .update(organizations)
      .set({ ...input, updatedAt: now() })
      .where(eq(organizations.id, id))
      .returning();
  } catch (error) {
    if (!constraintFailed(error, LICENCE_CONSTRAINT)) throw error;
    const current = await getOrganization(db, id);
    throw new DomainError(
      "licenses_below_used",
      `Licences cannot go below the ${current.licensesUsed} in use by active members.`,
    );
  }
  if (!after) throw new DomainError("not_found", `No organization ${id}.`);
  const changes = Object.fromEntries(
    (["name", "licenses"] as const)
      .filter((key) => input[key] !== undefined && input[key] !== before[key])
      .map((key) => [key, { from: before[key], to: after[key] }]),
  );
  if (Object.keys(changes).length > 0) {
    await recordActivity(db, {
      orgId: id,
      actor: ADMIN,
      action: "organization.updated",
      targetType: "organization",
      targetId: id,
      targetName: after.name,
      changes,
    });
  }
  return after;
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
  const current = await getOrganization(db, id);
  if (input.enabled && current.scimEnabled) {
    if (!input.provider || input.provider === current.scimProvider) return { organization: current };
    const organization = await writeScimSettings(db, id, { scimProvider: input.provider });
    await recordScimActivity(db, organization, "scim.enabled", {
      provider: { from: current.scimProvider, to: input.provider },
    });
    return { organization };
  }
  if (!input.enabled) {
    if (!current.scimEnabled) return { organization: current };
    const organization = await writeScimSettings(db, id, {
      scimEnabled: false,
      scimTokenHash: null,
      scimTokenCreatedAt: null,
    });
    await recordScimActivity(db, organization, "scim.disabled");
    return { organization };
  }
  const provider = input.provider ?? "okta";
  const token = generateSecretToken();
  const organization = await writeScimSettings(db, id, {
    scimEnabled: true,
    scimProvider: provider,
    ...(await tokenColumns(token)),
  });
  await recordScimActivity(db, organization, "scim.enabled", { provider });
  return { organization, token };
}

/** Issues a new token; the previous one stops working with this write. */
export async function rotateScimToken(db: Database, id: string): Promise<Required<IssuedToken>> {
  const token = generateSecretToken();
  const [organization] = await db
    .update(organizations)
    .set({ ...(await tokenColumns(token)), updatedAt: now() })
    .where(and(eq(organizations.id, id), eq(organizations.scimEnabled, true)))
    .returning();
  if (!organization) {
    await getOrganization(db, id); // not_found when the organization does not exist
    throw new DomainError("not_found", "SCIM provisioning is not enabled for this organization.");
  }
  await recordScimActivity(db, organization, "scim.token_rotated");
  return { organization, token };
}

/** The organization a SCIM token opens, or undefined: unknown tenant, provisioning off or wrong token. */
export async function verifyScimToken(
  organization: Organization | undefined,
  token: string,
): Promise<Organization | undefined> {
  if (!organization?.scimEnabled || !organization.scimTokenHash) return undefined;
  return (await tokenMatchesHash(token, organization.scimTokenHash)) ? organization : undefined;
}

async function tokenColumns(token: string) {
  return { scimTokenHash: await hashToken(token), scimTokenCreatedAt: now() };
}

async function writeScimSettings(
  db: Database,
  id: string,
  settings: Partial<typeof organizations.$inferInsert>,
): Promise<Organization> {
  const [organization] = await db
    .update(organizations)
    .set({ ...settings, updatedAt: now() })
    .where(eq(organizations.id, id))
    .returning();
  return organization;
}

function recordScimActivity(
  db: Database,
  organization: Organization,
  action: "scim.enabled" | "scim.disabled" | "scim.token_rotated",
  changes?: Record<string, unknown>,
) {
  return recordActivity(db, {
    orgId: organization.id,
    actor: ADMIN,
    action,
    targetType: "organization",
    targetId: organization.id,
    targetName: organization.name,
    changes,
  });
}
