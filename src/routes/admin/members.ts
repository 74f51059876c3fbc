import { type Context, Hono } from "hono";
import * as v from "valibot";
import { memberEmail, memberSearch, memberSource, memberStatus, parseQuery, personName } from "../../domain/inputs";
import {
  controlPanelScope,
  editMember,
  findMember,
  inviteMember,
  type ListedMember,
  listedMembers,
  listMembers,
  profileName,
  removeMember,
} from "../../domain/members";
import { getOrganization } from "../../domain/organizations";
import type { AppEnv } from "../../env";
import { limitParameter, readBody } from "./validate";

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
  const { limit, cursor, ...filters } = parseQuery(c.req.query(), listQuery);
  const { items, nextCursor } = await listMembers(db, organization, filters, { cursor, limit });
  return c.json({ members: items.map(view), nextCursor });
});

membersApi.post("/", async (c) => {
  const input = await readBody(c, inviteRequest);
  const db = c.var.db;
  const organization = await getOrganization(db, orgId(c));
  const member = await inviteMember(db, organization, input);
  return c.json(view((await listedMembers(db, organization, [member]))[0]), 201);
});

membersApi.get("/:id", async (c) => {
  const db = c.var.db;
  const organization = await getOrganization(db, orgId(c));
  const member = await findMember(db, controlPanelScope(organization), c.req.param("id"));
  return c.json(view((await listedMembers(db, organization, [member]))[0]));
});

membersApi.patch("/:id", async (c) => {
  const input = await readBody(c, updateRequest);
  const db = c.var.db;
  const organization = await getOrganization(db, orgId(c));
  const member = await editMember(db, organization, c.req.param("id"), input);
  return c.json(view((await listedMembers(db, organization, [member]))[0]));
});

membersApi.delete("/:id", async (c) => {
  const db = c.var.db;
  await removeMember(db, await getOrganization(db, orgId(c)), c.req.param("id"));
  return c.body(null, 204);
});

const orgId = (c: Context) => c.req.param("orgId")!;

/** The admin API's JSON of a member. */
function view(member: ListedMember) {
  return {
    id: member.id,
    email: member.email,
    ...profileName(member),
    source: member.source,
    provisioned: member.provisioned,
    readOnly: member.readOnly,
    status: member.active ? "active" : "deactivated",
    teams: member.teams.map((team) => ({ id: team.id, name: team.displayName })),
    createdAt: member.createdAt,
    updatedAt: member.updatedAt,
  };
}
