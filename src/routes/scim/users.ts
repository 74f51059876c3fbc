import { Hono, type Context } from "hono";
import * as v from "valibot";
import type { Actor } from "../../activity/actions";
import { database } from "../../db/client";
import { memberFilterTarget, selectMemberPage } from "../../db/member-queries";
import type { Member } from "../../db/schema-types";
import { DomainError } from "../../domain/errors";
import { createMember, deleteMember, findMember, updateMember, type MemberScope } from "../../domain/members";
import type { AppEnv } from "../../env";
import { invalidSyntax, invalidValue, ScimError } from "../../scim/errors";
import { compileFilter } from "../../scim/filter/compile";
import { listResponse, parseListQuery } from "../../scim/list-response";
import { normalizeResource } from "../../scim/normalize";
import { applyPatch } from "../../scim/patch/apply-patch";
import { parseProjection, projectResource } from "../../scim/projection";
import { etag, ifMatchAllows, renderResource } from "../../scim/resource";
import { userResourceType } from "../../scim/schemas/resource-type";
import { PATCH_OP_SCHEMA } from "../../scim/schemas/urns";
import { methodNotAllowed } from "./method-not-allowed";
import { readJson, scimJson, tenantUrl } from "./respond";

/** Concurrent PATCHes of one user are re-applied on the fresh version this many times before giving up. */
const PATCH_ATTEMPTS = 10;

const patchRequest = v.object({
  schemas: v.pipe(
    v.array(v.string()),
    v.check((schemas) => schemas.includes(PATCH_OP_SCHEMA), `schemas must contain ${PATCH_OP_SCHEMA}.`),
  ),
  Operations: v.pipe(
    v.array(v.object({ op: v.string(), path: v.optional(v.string()), value: v.optional(v.unknown()) })),
    v.minLength(1, "A PATCH needs at least one operation."),
  ),
});

export const users = new Hono<AppEnv>();

users.get("/", async (c) => {
  const organization = c.get("organization");
  const { startIndex, count } = parseListQuery(c.req.query());
  const filter = c.req.query("filter");
  const where = filter ? compileFilter(filter, memberFilterTarget(organization.id)) : undefined;
  const { total, rows } = await selectMemberPage(database(c.env.DB), scope(c), {
    where,
    offset: startIndex - 1,
    limit: count,
  });
  const projection = parseProjection(c.req.query());
  const resources = rows.map((row) => projectResource(render(c, row), projection, userResourceType));
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
  const parsed = v.safeParse(patchRequest, await readJson(c));
  if (!parsed.success) throw patchRequestError(parsed.issues);
  const { Operations: operations } = parsed.output;
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

function render(c: Context<AppEnv>, member: Member) {
  return renderResource(
    member.document,
    {
      id: member.id,
      resourceType: "User",
      created: member.createdAt,
      lastModified: member.updatedAt,
      version: member.version,
      location: location(c, member.id),
    },
    { active: member.active },
  );
}

function respondWithMember(
  c: Context<AppEnv>,
  member: Member,
  status: 200 | 201 = 200,
  headers: Record<string, string> = {},
) {
  const resource = projectResource(render(c, member), parseProjection(c.req.query()), userResourceType);
  return scimJson(c, resource, status, { ...headers, ETag: etag(member.version) });
}

function requireCurrentVersion(c: Context<AppEnv>, member: Member) {
  if (!ifMatchAllows(c.req.header("If-Match"), member.version)) {
    throw new ScimError(412, `If-Match does not name the current version of user ${member.id} (${etag(member.version)}).`);
  }
}

function patchRequestError(issues: v.BaseIssue<unknown>[]) {
  const issue = issues[0];
  const path = v.getDotPath(issue);
  if (path === "schemas") return invalidValue(issue.message);
  if (path === "Operations" && issue.type === "min_length") return invalidValue(issue.message);
  return invalidSyntax(`Not a PatchOp request${path ? ` at ${path}` : ""}: ${issue.message}`);
}
