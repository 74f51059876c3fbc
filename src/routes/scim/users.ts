import { type Context, Hono } from "hono";
import type { Database } from "../../db/client";
import type { MemberWithGroups } from "../../db/member-queries";
import type { Member } from "../../db/schema-types";
import { createMember, deleteMember, updateMember } from "../../domain/members";
import { userList } from "../../domain/scim-lists";
import { provisionedMember, provisioningActor, provisioningSource } from "../../domain/scim-resources";
import type { AppEnv } from "../../env";
import { notFound } from "../../scim/errors";
import { normalizeResource } from "../../scim/normalize";
import { describeUserPatch } from "../../scim/operation";
import { applyPatch } from "../../scim/patch/apply-patch";
import { isAttributeRequested, projectResource } from "../../scim/projection";
import { etag, renderResource } from "../../scim/resource";
import { userResourceType } from "../../scim/schemas/resource-type";
import { tenantUrl } from "../tenant-url";
import { authorize, tenantCheck } from "./auth";
import { type Listing, queryRequest, respondWithList, searchRequest } from "./list";
import { methodNotAllowed } from "./method-not-allowed";
import { readPatchOperations, requireCurrentVersion, writeOnCurrentVersion } from "./patch-request";
import { noteUser, requestOrigin } from "./request-log";
import { notModified, readJson, requestProjection, scimJson } from "./respond";

export const users = new Hono<AppEnv>();

/** How SCIM lists users (see userList). */
export const userListing: Listing<MemberWithGroups> = {
  list: userList,
  render: (c, rows) => rows.map((row) => render(c, row)),
};

users.get("/", (c) => respondWithList(c, [userListing], queryRequest(c)));
users.post("/.search", (c) => respondWithList(c, [userListing], searchRequest(c)));
users.all("/.search", methodNotAllowed("POST"));

users.post("/", async (c) => {
  const db = c.var.db;
  await authorize(c, db, []);
  const body = await readJson(c);
  const organization = c.get("organization");
  const { document, active } = splitActive(normalizeResource(body, userResourceType));
  noteUser(c, document);
  const member = await createMember(
    db,
    organization,
    { document, active: active ?? true, source: provisioningSource(organization) },
    actor(c),
  );
  return respondWithMember(c, { ...member, groups: null }, 201, { Location: location(c, member.id) });
});

users.get("/:id", async (c) => {
  const member = await readMember(c, c.var.db);
  return notModified(c, member.version) ?? respondWithMember(c, member);
});

users.put("/:id", async (c) => {
  const db = c.var.db;
  const existing = await readMember(c, db);
  requireCurrentVersion(c, existing);
  const body = await readJson(c);
  const { document, active } = splitActive(normalizeResource(body, userResourceType));
  // Okta's wizard-built integrations deactivate with a PUT: say so in the request log.
  if (active !== undefined && active !== existing.active)
    c.set("operationDetail", active ? "reactivate" : "deactivate");
  return writeOnCurrentVersion(
    c,
    existing,
    () => readMember(c, db),
    (current) => writeUser(c, db, current, { document, active }),
  );
});

users.patch("/:id", async (c) => {
  const db = c.var.db;
  const existing = await readMember(c, db);
  const operations = await readPatchOperations(c, userResourceType);
  c.set("operationDetail", describeUserPatch(operations));
  // Each attempt applies the operations to the version it read (see writeOnCurrentVersion).
  return writeOnCurrentVersion(
    c,
    existing,
    () => readMember(c, db),
    async (current) => {
      const patched = applyPatch({ ...current.document, active: current.active }, operations, userResourceType);
      return writeUser(c, db, current, splitActive(normalizeResource(patched, userResourceType)));
    },
  );
});

users.delete("/:id", async (c) => {
  const db = c.var.db;
  const existing = await readMember(c, db);
  requireCurrentVersion(c, existing);
  await deleteMember(db, existing, actor(c), [], requestOrigin(c));
  return c.body(null, 204);
});

users.all("/", methodNotAllowed("GET", "POST"));
users.all("/:id", methodNotAllowed("GET", "PUT", "PATCH", "DELETE"));

const orgId = (c: Context<AppEnv>) => c.req.param("orgId")!;

const actor = (c: Context<AppEnv>) => provisioningActor(c.get("organization"));

const location = (c: Context<AppEnv>, id: string) => `${tenantUrl(c, orgId(c))}/Users/${id}`;

const withGroups = (c: Context<AppEnv>) => isAttributeRequested(requestProjection(c), userResourceType, "groups");

/** The tenant check and the member (with its teams) in one round trip; 404 for an id SCIM cannot see. */
async function readMember(c: Context<AppEnv>, db: Database): Promise<MemberWithGroups> {
  const id = c.req.param("id")!;
  const member = await provisionedMember(db, tenantCheck(c, db), orgId(c), id, withGroups(c));
  if (!member) throw notFound(`No user ${id}.`);
  noteUser(c, member.document, member.id);
  return member;
}

/**
 * Writes the user as the request asks (a deactivation is decided by the safeguard in updateMember,
 * which keeps the request's id and client with a hold) and answers with it.
 */
async function writeUser(
  c: Context<AppEnv>,
  db: Database,
  current: MemberWithGroups,
  asked: { document: Record<string, unknown>; active: boolean | undefined },
) {
  const input = { document: asked.document, active: asked.active ?? current.active };
  const member = await updateMember(db, current, input, actor(c), undefined, requestOrigin(c));
  return respondWithMember(c, { ...member, groups: current.groups });
}

/** `active` is kept in its own column (it drives licences), not in the stored document. */
function splitActive(normalized: Record<string, unknown>) {
  const { active, ...document } = normalized;
  return { document, active: typeof active === "boolean" ? active : undefined };
}

/** The User resource: the stored document, `active`, its provisioned teams as `groups`, and `meta`. */
function render(c: Context<AppEnv>, member: Member & { groups: string | null }) {
  const groupsUrl = `${tenantUrl(c, orgId(c))}/Groups`;
  const teams = member.groups ? (JSON.parse(member.groups) as { id: string; displayName: string }[]) : [];
  const groups = teams.map((team) => ({ value: team.id, display: team.displayName, $ref: `${groupsUrl}/${team.id}` }));
  const resource = renderResource(
    member.document,
    {
      id: member.id,
      resourceType: "User",
      created: member.createdAt,
      lastModified: member.updatedAt,
      version: member.version,
      location: location(c, member.id),
    },
    { active: member.active, ...(groups.length > 0 ? { groups } : {}) },
  );
  return projectResource(resource, requestProjection(c), userResourceType);
}

function respondWithMember(
  c: Context<AppEnv>,
  member: Member & { groups: string | null },
  status: 200 | 201 = 200,
  headers: Record<string, string> = {},
) {
  noteUser(c, member.document, member.id);
  return scimJson(c, render(c, member), status, { ...headers, ETag: etag(member.version) });
}
