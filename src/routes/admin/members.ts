import { type Context, Hono } from "hono";
import * as v from "valibot";
import { type Database, database } from "../../db/client";
import { selectMemberKeysetPage } from "../../db/member-queries";
import type { Member, Organization } from "../../db/schema-types";
import { selectTeamsOfMembers } from "../../db/team-queries";
import { createMember, deleteMember, findMember, updateMember, withProfileEdit } from "../../domain/members";
import { getOrganization } from "../../domain/organizations";
import { assertEditable, isReadOnly } from "../../domain/read-only";
import type { AppEnv } from "../../env";
import { USER_SCHEMA } from "../../scim/schemas/urns";
import { limitParameter, readPage, readQuery } from "./paging";
import { noControlCharacters, readBody } from "./validate";

const email = v.pipe(v.string(), v.trim(), v.maxLength(254), v.email("must be an email address"));
// A member's first and last name are SCIM's name.givenName/familyName: the same length limit; empty clears.
const personName = v.pipe(v.string(), v.trim(), v.maxLength(1024), noControlCharacters);

const inviteRequest = v.strictObject({ email, firstName: v.optional(personName), lastName: v.optional(personName) });
const updateRequest = v.pipe(
  v.strictObject({
    email: v.optional(email),
    firstName: v.optional(personName),
    lastName: v.optional(personName),
    active: v.optional(v.boolean()),
  }),
  v.check((body) => Object.keys(body).length > 0, "give email, firstName, lastName or active"),
);
const listQuery = v.object({
  q: v.optional(v.pipe(v.string(), v.maxLength(254))),
  source: v.optional(v.picklist(["manual", "okta", "entra", "generic"])),
  status: v.optional(v.picklist(["active", "deactivated"])),
  limit: limitParameter,
  cursor: v.optional(v.string()),
});

const ADMIN = "admin" as const;

/** Members of one organization, manual and provisioned side by side, at /organizations/:orgId/members. */
export const membersApi = new Hono<AppEnv>();

membersApi.get("/", async (c) => {
  const db = database(c.env.DB);
  const organization = await getOrganization(db, orgId(c));
  const { q, source, status, limit, cursor } = readQuery(c.req.query(), listQuery);
  const { page, nextCursor } = await readPage(
    { cursor, limit },
    (after, pageLimit) =>
      selectMemberKeysetPage(db, organization.id, {
        q,
        source,
        active: status === undefined ? undefined : status === "active",
        after: after && { createdAt: after[0], id: after[1] },
        limit: pageLimit,
      }),
    (m) => [m.createdAt, m.id],
  );
  return c.json({ members: await views(db, organization, page), nextCursor });
});

membersApi.post("/", async (c) => {
  const input = await readBody(c, inviteRequest);
  const db = database(c.env.DB);
  const organization = await getOrganization(db, orgId(c));
  const document = withProfileEdit(
    { schemas: [USER_SCHEMA], userName: input.email, emails: [{ value: input.email, primary: true }] },
    input,
  );
  const member = await createMember(db, organization, { document, active: true, source: "manual" }, ADMIN);
  return c.json((await views(db, organization, [member]))[0], 201);
});

membersApi.get("/:id", async (c) => {
  const db = database(c.env.DB);
  const organization = await getOrganization(db, orgId(c));
  const member = await findMember(db, { orgId: organization.id, provisionedOnly: false }, c.req.param("id"));
  return c.json((await views(db, organization, [member]))[0]);
});

membersApi.patch("/:id", async (c) => {
  const input = await readBody(c, updateRequest);
  const db = database(c.env.DB);
  const organization = await getOrganization(db, orgId(c));
  const existing = await findMember(db, { orgId: organization.id, provisionedOnly: false }, c.req.param("id"));
  assertEditable(organization, existing, "member");
  const member = await updateMember(
    db,
    existing,
    { document: withProfileEdit(existing.document, input), active: input.active ?? existing.active },
    ADMIN,
  );
  return c.json((await views(db, organization, [member]))[0]);
});

membersApi.delete("/:id", async (c) => {
  const db = database(c.env.DB);
  const organization = await getOrganization(db, orgId(c));
  const member = await findMember(db, { orgId: organization.id, provisionedOnly: false }, c.req.param("id"));
  assertEditable(organization, member, "member");
  await deleteMember(db, member, ADMIN);
  return c.body(null, 204);
});

const orgId = (c: Context) => c.req.param("orgId")!;

/** The control panel's view of members, with their teams read in one round trip. */
async function views(db: Database, organization: Organization, members: Member[]) {
  const teams = await selectTeamsOfMembers(
    db,
    { orgId: organization.id, provisionedOnly: false },
    members.map((m) => m.id),
  );
  return members.map((member) => {
    const name = (member.document.name ?? {}) as { givenName?: string; familyName?: string };
    return {
      id: member.id,
      email: member.email,
      firstName: name.givenName ?? null,
      lastName: name.familyName ?? null,
      source: member.source,
      provisioned: member.provisioned,
      readOnly: isReadOnly(organization, member),
      status: member.active ? "active" : "deactivated",
      teams: (teams.get(member.id) ?? []).map((team) => ({ id: team.id, name: team.displayName })),
      createdAt: member.createdAt,
      updatedAt: member.updatedAt,
    };
  });
}
