import { Hono, type Context } from "hono";
import type { Actor } from "../../activity/actions";
import { database, type Database } from "../../db/client";
import { memberFilterTarget, selectMemberPage } from "../../db/member-queries";
import { selectTeamsOfMembers } from "../../db/team-queries";
import type { Member } from "../../db/schema-types";
import { DomainError } from "../../domain/errors";
import { createMember, deleteMember, findMember, updateMember, type MemberScope } from "../../domain/members";
import type { AppEnv } from "../../env";
import { compileFilter } from "../../scim/filter/compile";
import { listResponse, parseListQuery } from "../../scim/list-response";
import { normalizeResource } from "../../scim/normalize";
import { applyPatch } from "../../scim/patch/apply-patch";
import { isAttributeRequested, parseProjection, projectResource, type Projection } from "../../scim/projection";
import { etag, renderResource } from "../../scim/resource";
import { userResourceType } from "../../scim/schemas/resource-type";
import { methodNotAllowed } from "./method-not-allowed";
import { readPatchOperations, requireCurrentVersion } from "./patch-request";
import { readJson, scimJson, tenantUrl } from "./respond";

/** Concurrent PATCHes of one user are re-applied on the fresh version this many times before giving up. */
const PATCH_ATTEMPTS = 10;

export const users = new Hono<AppEnv>();

users.get("/", async (c) => {
  const organization = c.get("organization");
  const { startIndex, count } = parseListQuery(c.req.query());
  const filter = c.req.query("filter");
  const where = filter ? compileFilter(filter, memberFilterTarget(organization.id)) : undefined;
  const db = database(c.env.DB);
  const { total, rows } = await selectMemberPage(db, scope(c), {
    where,
    offset: startIndex - 1,
    limit: count,
  });
  const resources = await renderMembers(c, db, rows, parseProjection(c.req.query()));
  return scimJson(c, listResponse(resources, { totalResults: total, startIndex, itemsPerPage: resources.length }));
});

users.post("/", async (c) => {
  const organization = c.get("organization");
  const { document, active } = splitActive(normalizeResource(await readJson(c), userResourceType));
  const member = await createMember(
    database(c.env.DB),
    organization,
    { document, active: active ?? true, source: organization.scimProvider ?? "generic" },
    actor(c),
  );
  return respondWithMember(c, member, 201, { Location: location(c, member.id) });
});

users.get("/:id", async (c) => {
  const member = await findMember(database(c.env.DB), scope(c), c.req.param("id"));
  return respondWithMember(c, member);
});

users.put("/:id", async (c) => {
  const db = database(c.env.DB);
  const body = await readJson(c);
  const existing = await findMember(db, scope(c), c.req.param("id"));
  requireCurrentVersion(c, existing);
  const { document, active } = splitActive(normalizeResource(body, userResourceType));
  const member = await updateMember(db, existing, { document, active: active ?? existing.active }, actor(c));
  return respondWithMember(c, member);
});

users.patch("/:id", async (c) => {
  const db = database(c.env.DB);
  const operations = await readPatchOperations(c);
  // Read, apply, write only if untouched since the read; on a concurrent write, re-apply to the new state.
  for (let attempt = 1; ; attempt++) {
    const existing = await findMember(db, scope(c), c.req.param("id"));
    requireCurrentVersion(c, existing);
    const patched = applyPatch({ ...existing.document, active: existing.active }, operations, userResourceType);
    const { document, active } = splitActive(normalizeResource(patched, userResourceType));
    try {
      const member = await updateMember(db, existing, { document, active: active ?? existing.active }, actor(c));
      return respondWithMember(c, member);
    } catch (error) {
      const retry = error instanceof DomainError && error.code === "version_mismatch" && attempt < PATCH_ATTEMPTS;
      if (!retry || c.req.header("If-Match")) throw error;
    }
  }
});

users.delete("/:id", async (c) => {
  const db = database(c.env.DB);
  if (c.req.header("If-Match")) requireCurrentVersion(c, await findMember(db, scope(c), c.req.param("id")));
  await deleteMember(db, scope(c), c.req.param("id"), actor(c));
  return c.body(null, 204);
});

users.all("/", methodNotAllowed("GET", "POST"));
users.all("/:id", methodNotAllowed("GET", "PUT", "PATCH", "DELETE"));

const scope = (c: Context<AppEnv>): MemberScope => ({
  orgId: c.get("organization").id,
  provisionedOnly: true,
});

const actor = (c: Context<AppEnv>): Actor => `scim:${c.get("organization").scimProvider ?? "generic"}`;

const location = (c: Context<AppEnv>, id: string) => `${tenantUrl(c, c.get("organization").id)}/Users/${id}`;

/** `active` is kept in its own column (it drives licences), not in the stored document. */
function splitActive(normalized: Record<string, unknown>) {
  const { active, ...document } = normalized;
  return { document, active: typeof active === "boolean" ? active : undefined };
}

/** Renders members with their provisioned teams as `groups`, read in one round trip when the response carries them. */
async function renderMembers(c: Context<AppEnv>, db: Database, members: Member[], projection: Projection) {
  const withGroups = isAttributeRequested(projection, userResourceType, "groups");
  const teamsByMember = withGroups
    ? await selectTeamsOfMembers(db, { orgId: c.get("organization").id, provisionedOnly: true }, members.map((m) => m.id))
    : undefined;
  const groupsUrl = `${tenantUrl(c, c.get("organization").id)}/Groups`;
  return members.map((member) => {
    const groups = teamsByMember
      ?.get(member.id)
      ?.map((team) => ({ value: team.id, display: team.displayName, $ref: `${groupsUrl}/${team.id}` }));
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
      { active: member.active, ...(groups ? { groups } : {}) },
    );
    return projectResource(resource, projection, userResourceType);
  });
}

async function respondWithMember(
  c: Context<AppEnv>,
  member: Member,
  status: 200 | 201 = 200,
  headers: Record<string, string> = {},
) {
  const [resource] = await renderMembers(c, database(c.env.DB), [member], parseProjection(c.req.query()));
  return scimJson(c, resource, status, { ...headers, ETag: etag(member.version) });
}
