import { type Context, Hono } from "hono";
import * as v from "valibot";
import type { Database } from "../../db/client";
import type { Organization, Team } from "../../db/schema-types";
import { countMembersOfTeams, selectMembersOfTeams, selectTeamKeysetPage } from "../../db/team-queries";
import { nameSchema } from "../../domain/inputs";
import { controlPanelScope, findMember } from "../../domain/members";
import { getOrganization } from "../../domain/organizations";
import { isReadOnly } from "../../domain/read-only";
import {
  addTeamMembers,
  createManualTeam,
  findTeam,
  removeTeam,
  removeTeamMember,
  renameTeam,
} from "../../domain/teams";
import type { AppEnv } from "../../env";
import { limitParameter, readPage, readQuery } from "./paging";
import { readBody } from "./validate";

const teamRequest = v.strictObject({ name: nameSchema });
const membersRequest = v.strictObject({
  memberIds: v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1), v.maxLength(1000)),
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
  const { assignableTo, limit, cursor } = readQuery(c.req.query(), listQuery);
  // The teams offered to a member: a manual member may join manual teams only.
  const member = assignableTo ? await findMember(db, controlPanelScope(organization), assignableTo) : undefined;
  const { page, nextCursor } = await readPage(
    { cursor, limit },
    (after, pageLimit) =>
      selectTeamKeysetPage(db, organization.id, {
        manualOnly: member ? !member.provisioned : false,
        after: after && { createdAt: after[0], id: after[1] },
        limit: pageLimit,
      }),
    (t) => [t.createdAt, t.id],
  );
  return c.json({ teams: await views(db, organization, page), nextCursor });
});

teamsApi.post("/", async (c) => {
  const { name } = await readBody(c, teamRequest);
  const db = c.var.db;
  const organization = await getOrganization(db, orgId(c));
  const team = await createManualTeam(db, organization, name);
  return c.json((await views(db, organization, [team]))[0], 201);
});

teamsApi.get("/:id", async (c) => {
  const db = c.var.db;
  const organization = await getOrganization(db, orgId(c));
  const team = await findTeam(db, controlPanelScope(organization), c.req.param("id"));
  const [view] = await views(db, organization, [team]);
  const members = (await selectMembersOfTeams(db, [team.id])).get(team.id) ?? [];
  return c.json({ ...view, members: members.map((m) => ({ id: m.id, email: m.userName })) });
});

teamsApi.patch("/:id", async (c) => {
  const { name } = await readBody(c, teamRequest);
  const { db, organization } = await context(c);
  return c.json((await views(db, organization, [await renameTeam(db, organization, c.req.param("id"), name)]))[0]);
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
  return c.json((await views(db, organization, [updated]))[0]);
});

teamsApi.delete("/:id/members/:memberId", async (c) => {
  const { db, organization } = await context(c);
  const updated = await removeTeamMember(db, organization, c.req.param("id"), c.req.param("memberId"));
  return c.json((await views(db, organization, [updated]))[0]);
});

const orgId = (c: Context) => c.req.param("orgId")!;

async function context(c: Context<AppEnv>) {
  const db = c.var.db;
  return { db, organization: await getOrganization(db, orgId(c)) };
}

async function views(db: Database, organization: Organization, teams: Team[]) {
  const counts = await countMembersOfTeams(
    db,
    teams.map((t) => t.id),
  );
  return teams.map((team) => ({
    id: team.id,
    name: team.displayName,
    source: team.source,
    provisioned: team.provisioned,
    readOnly: isReadOnly(organization, team),
    memberCount: counts.get(team.id) ?? 0,
  }));
}
