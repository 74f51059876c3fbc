import { type Context, Hono } from "hono";
import * as v from "valibot";
import { nameSchema, parseQuery } from "../../domain/inputs";
import { controlPanelScope } from "../../domain/members";
import { getOrganization } from "../../domain/organizations";
import { type ListedTeam, listedTeams, listTeams, teamMembers } from "../../domain/team-lists";
import {
  addTeamMembers,
  createManualTeam,
  findTeam,
  removeTeam,
  removeTeamMember,
  renameTeam,
} from "../../domain/teams";
import type { AppEnv } from "../../env";
import { limitParameter, readBody } from "./validate";

/**
 * Member ids one admin request may list: what fits well within its 64 KB body (a UUID takes 39
 * bytes of the list). The domain's own cap on members named per request is higher.
 */
const MAX_IDS_PER_BODY = 1000;

const teamRequest = v.strictObject({ name: nameSchema });
const membersRequest = v.strictObject({
  memberIds: v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1), v.maxLength(MAX_IDS_PER_BODY)),
});
const listQuery = v.object({
  assignableTo: v.optional(v.string()),
  limit: limitParameter,
  cursor: v.optional(v.string()),
});

/** Teams of one organization, manual and provisioned side by side, at /organizations/:orgId/teams. */
export const teamsApi = new Hono<AppEnv>();

teamsApi.get("/", async (c) => {
  const db = c.var.db;
  const organization = await getOrganization(db, orgId(c));
  const { assignableTo, limit, cursor } = parseQuery(c.req.query(), listQuery);
  const { items, nextCursor } = await listTeams(db, organization, { cursor, limit }, assignableTo);
  return c.json({ teams: items.map(view), nextCursor });
});

teamsApi.post("/", async (c) => {
  const { name } = await readBody(c, teamRequest);
  const db = c.var.db;
  const organization = await getOrganization(db, orgId(c));
  const team = await createManualTeam(db, organization, name);
  return c.json(view((await listedTeams(db, organization, [team]))[0]), 201);
});

teamsApi.get("/:id", async (c) => {
  const db = c.var.db;
  const organization = await getOrganization(db, orgId(c));
  const team = await findTeam(db, controlPanelScope(organization), c.req.param("id"));
  const [listed] = await listedTeams(db, organization, [team]);
  const members = await teamMembers(db, team);
  return c.json({ ...view(listed), members: members.map((m) => ({ id: m.id, email: m.userName })) });
});

teamsApi.patch("/:id", async (c) => {
  const { name } = await readBody(c, teamRequest);
  const { db, organization } = await context(c);
  const team = await renameTeam(db, organization, c.req.param("id"), name);
  return c.json(view((await listedTeams(db, organization, [team]))[0]));
});

teamsApi.delete("/:id", async (c) => {
  const { db, organization } = await context(c);
  await removeTeam(db, organization, c.req.param("id"));
  return c.body(null, 204);
});

teamsApi.post("/:id/members", async (c) => {
  const { memberIds } = await readBody(c, membersRequest);
  const { db, organization } = await context(c);
  const updated = await addTeamMembers(db, organization, c.req.param("id"), memberIds);
  return c.json(view((await listedTeams(db, organization, [updated]))[0]));
});

teamsApi.delete("/:id/members/:memberId", async (c) => {
  const { db, organization } = await context(c);
  const updated = await removeTeamMember(db, organization, c.req.param("id"), c.req.param("memberId"));
  return c.json(view((await listedTeams(db, organization, [updated]))[0]));
});

const orgId = (c: Context) => c.req.param("orgId")!;

async function context(c: Context<AppEnv>) {
  const db = c.var.db;
  return { db, organization: await getOrganization(db, orgId(c)) };
}

/** The admin API's JSON of a team. */
function view(team: ListedTeam) {
  return {
    id: team.id,
    name: team.displayName,
    source: team.source,
    provisioned: team.provisioned,
    readOnly: team.readOnly,
    memberCount: team.memberCount,
  };
}
