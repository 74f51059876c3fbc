import { type Context, Hono } from "hono";
import type { Actor } from "../../activity/actions";
import { type Database, database } from "../../db/client";
import { memberListPositions, type Position } from "../../db/list-positions";
import {
  countMembersStatement,
  type MemberWithGroups,
  memberFilterTarget,
  selectMemberPageStatement,
  selectMemberStatement,
} from "../../db/member-queries";
import type { Member } from "../../db/schema-types";
import { DomainError } from "../../domain/errors";
import { createMember, deleteMember, type MemberScope, updateMember } from "../../domain/members";
import type { AppEnv } from "../../env";
import { notFound } from "../../scim/errors";
import { compileFilter } from "../../scim/filter/compile";
import { listResponse, parseListQuery } from "../../scim/list-response";
import { normalizeResource } from "../../scim/normalize";
import { applyPatch } from "../../scim/patch/apply-patch";
import { isAttributeRequested, projectResource } from "../../scim/projection";
import { etag, renderResource } from "../../scim/resource";
import { userResourceType } from "../../scim/schemas/resource-type";
import { authorize, parseBeforeAuthorizing } from "./auth";
import { methodNotAllowed } from "./method-not-allowed";
import { readPatchOperations, requireCurrentVersion } from "./patch-request";
import { notModified, readJson, requestProjection, scimJson, tenantUrl } from "./respond";

/** Concurrent PATCHes of one user are re-applied on the fresh version this many times before giving up. */
const PATCH_ATTEMPTS = 10;

export const users = new Hono<AppEnv>();

users.get("/", async (c) => {
  const db = database(c.env.DB);
  const filter = c.req.query("filter");
  const { startIndex, count, where } = await parseBeforeAuthorizing(c, db, () => ({
    ...parseListQuery(c.req.query()),
    where: filter ? compileFilter(filter, memberFilterTarget(orgId(c))) : undefined,
  }));
  if (where) {
    const page = selectMemberPageStatement(db, scope(c), {
      where,
      offset: startIndex - 1,
      limit: count,
      withGroups: withGroups(c),
    });
    const [rows, [{ total }]] = await authorize(c, db, [page, countMembersStatement(db, scope(c), where)]);
    return respondWithList(c, rows, total, startIndex);
  }
  // Unfiltered (Okta's import): the total is the organization's counter, and a page that follows one
  // served before starts by key rather than by an OFFSET over every earlier member.
  const from = memberListPositions.find(orgId(c), startIndex);
  const pageFrom = (position?: Position) =>
    selectMemberPageStatement(db, scope(c), {
      from: position,
      offset: startIndex - 1,
      limit: count,
      withGroups: withGroups(c),
    });
  let [rows] = await authorize(c, db, [pageFrom(from)]);
  const { membersRevision, provisionedMembers } = c.get("organization");
  if (from && from.revision !== membersRevision) rows = await pageFrom(undefined); // members were added or deleted since
  memberListPositions.remember(orgId(c), membersRevision, startIndex, rows);
  return respondWithList(c, rows, provisionedMembers, startIndex);
});

users.post("/", async (c) => {
  const db = database(c.env.DB);
  await authorize(c, db, []);
  const body = await readJson(c);
  const organization = c.get("organization");
  const { document, active } = splitActive(normalizeResource(body, userResourceType));
  const member = await createMember(
    db,
    organization,
    { document, active: active ?? true, source: organization.scimProvider ?? "generic" },
    actor(c),
  );
  return respondWithMember(c, { ...member, groups: null }, 201, { Location: location(c, member.id) });
});

users.get("/:id", async (c) => {
  const member = await readMember(c, database(c.env.DB));
  return notModified(c, member.version) ?? respondWithMember(c, member);
});

users.put("/:id", async (c) => {
  const db = database(c.env.DB);
  const existing = await readMember(c, db);
  requireCurrentVersion(c, existing);
  const body = await readJson(c);
  const { document, active } = splitActive(normalizeResource(body, userResourceType));
  const member = await updateMember(db, existing, { document, active: active ?? existing.active }, actor(c));
  return respondWithMember(c, { ...member, groups: existing.groups });
});

users.patch("/:id", async (c) => {
  const db = database(c.env.DB);
  let existing = await readMember(c, db);
  const operations = await readPatchOperations(c);
  // Read, apply, write only if untouched since the read; on a concurrent write, re-apply to the new state.
  for (let attempt = 1; ; attempt++) {
    requireCurrentVersion(c, existing);
    const patched = applyPatch({ ...existing.document, active: existing.active }, operations, userResourceType);
    const { document, active } = splitActive(normalizeResource(patched, userResourceType));
    try {
      const member = await updateMember(db, existing, { document, active: active ?? existing.active }, actor(c));
      return respondWithMember(c, { ...member, groups: existing.groups });
    } catch (error) {
      const retry = error instanceof DomainError && error.code === "version_mismatch" && attempt < PATCH_ATTEMPTS;
      if (!retry || c.req.header("If-Match")) throw error;
      existing = await readMember(c, db);
    }
  }
});

users.delete("/:id", async (c) => {
  const db = database(c.env.DB);
  const existing = await readMember(c, db);
  requireCurrentVersion(c, existing);
  await deleteMember(db, scope(c), existing.id, actor(c));
  return c.body(null, 204);
});

users.all("/", methodNotAllowed("GET", "POST"));
users.all("/:id", methodNotAllowed("GET", "PUT", "PATCH", "DELETE"));

const orgId = (c: Context<AppEnv>) => c.req.param("orgId")!;

const scope = (c: Context<AppEnv>): MemberScope => ({ orgId: orgId(c), provisionedOnly: true });

const actor = (c: Context<AppEnv>): Actor => `scim:${c.get("organization").scimProvider ?? "generic"}`;

const location = (c: Context<AppEnv>, id: string) => `${tenantUrl(c, orgId(c))}/Users/${id}`;

const withGroups = (c: Context<AppEnv>) => isAttributeRequested(requestProjection(c), userResourceType, "groups");

/** The tenant check and the member (with its teams) in one round trip; 404 for an id SCIM cannot see. */
async function readMember(c: Context<AppEnv>, db: Database): Promise<MemberWithGroups> {
  const [[member]] = await authorize(c, db, [selectMemberStatement(db, scope(c), c.req.param("id")!, withGroups(c))]);
  if (!member) throw notFound(`No user ${c.req.param("id")}.`);
  return member;
}

function respondWithList(c: Context<AppEnv>, rows: MemberWithGroups[], totalResults: number, startIndex: number) {
  const resources = rows.map((row) => render(c, row));
  return scimJson(c, listResponse(resources, { totalResults, startIndex, itemsPerPage: resources.length }));
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
  return scimJson(c, render(c, member), status, { ...headers, ETag: etag(member.version) });
}
