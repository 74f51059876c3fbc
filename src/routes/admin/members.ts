import { type Context, Hono } from "hono";
import * as v from "valibot";
import type { Database } from "../../db/client";
import { selectMemberKeysetPage } from "../../db/member-queries";
import type { Member, Organization } from "../../db/schema-types";
import { selectTeamsOfMembers } from "../../db/team-queries";
import { memberEmail, memberSearch, memberSource, memberStatus, personName } from "../../domain/inputs";
import {
  controlPanelScope,
  editMember,
  findMember,
  inviteMember,
  profileName,
  removeMember,
} from "../../domain/members";
import { getOrganization } from "../../domain/organizations";
import { isReadOnly } from "../../domain/read-only";
import type { AppEnv } from "../../env";
import { limitParameter, readPage, readQuery } from "./paging";
import { readBody } from "./validate";

const inviteRequest = v.strictObject({
  email: memberEmail,
  firstName: v.optional(personName),
  lastName: v.optional(personName),
});
const updateRequest = v.pipe(
  v.strictObject({
    email: v.optional(memberEmail),
    firstName: v.optional(personName),
    lastName: v.optional(personName),
    active: v.optional(v.boolean()),
  }),
  v.check((body) => Object.keys(body).length > 0, "give email, firstName, lastName or active"),
);
const listQuery = v.object({
  q: v.optional(memberSearch),
  source: v.optional(memberSource),
  status: v.optional(memberStatus),
  limit: limitParameter,
  cursor: v.optional(v.string()),
});

/** Members of one organization, manual and provisioned side by side, at /organizations/:orgId/members. */
export const membersApi = new Hono<AppEnv>();

membersApi.get("/", async (c) => {
  const db = c.var.db;
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
  const db = c.var.db;
  const organization = await getOrganization(db, orgId(c));
  const member = await inviteMember(db, organization, input);
  return c.json((await views(db, organization, [member]))[0], 201);
});

membersApi.get("/:id", async (c) => {
  const db = c.var.db;
  const organization = await getOrganization(db, orgId(c));
  const member = await findMember(db, controlPanelScope(organization), c.req.param("id"));
  return c.json((await views(db, organization, [member]))[0]);
});

membersApi.patch("/:id", async (c) => {
  const input = await readBody(c, updateRequest);
  const db = c.var.db;
  const organization = await getOrganization(db, orgId(c));
  const member = await editMember(db, organization, c.req.param("id"), input);
  return c.json((await views(db, organization, [member]))[0]);
});

membersApi.delete("/:id", async (c) => {
  const db = c.var.db;
  await removeMember(db, await getOrganization(db, orgId(c)), c.req.param("id"));
  return c.body(null, 204);
});

const orgId = (c: Context) => c.req.param("orgId")!;

/** The control panel's view of members, with their teams read in one round trip. */
async function views(db: Database, organization: Organization, members: Member[]) {
  const teams = await selectTeamsOfMembers(
    db,
    controlPanelScope(organization),
    members.map((m) => m.id),
  );
  return members.map((member) => ({
    id: member.id,
    email: member.email,
    ...profileName(member),
    source: member.source,
    provisioned: member.provisioned,
    readOnly: isReadOnly(organization, member),
    status: member.active ? "active" : "deactivated",
    teams: (teams.get(member.id) ?? []).map((team) => ({ id: team.id, name: team.displayName })),
    createdAt: member.createdAt,
    updatedAt: member.updatedAt,
  }));
}
