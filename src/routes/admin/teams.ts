import { type Context, Hono } from "hono";
import * as v from "valibot";
import { type Database, database } from "../../db/client";
import type { Organization, Team } from "../../db/schema-types";
import { countMembersOfTeams, selectMembersOfTeams, selectTeamKeysetPage } from "../../db/team-queries";
import { findMember } from "../../domain/members";
import { getOrganization } from "../../domain/organizations";
import { assertEditable, isReadOnly } from "../../domain/read-only";
import { createTeam, deleteTeam, findTeam, updateTeam } from "../../domain/teams";
import type { AppEnv } from "../../env";
import { limitParameter, readPage, readQuery } from "./paging";
import { nameSchema, readBody } from "./validate";

const teamRequest = v.strictObject({ name: nameSchema });
const membersRequest = v.strictObject({
  memberIds: v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1), v.maxLength(1000)),
});
const listQuery = v.object({
  assignableTo: v.optional(v.string()),
  limit: limitParameter,
  cursor: v.optional(v.string()),
});

const ADMIN = "admin" as const;
const NO_MEMBERSHIP_CHANGE = { add: [], remove: [] };

/** Teams of one organization, manual and provisioned side by side, at /organizations/:orgId/teams. */
export const teamsApi = new Hono<AppEnv>();

teamsApi.get("/", async (c) => {
  const db = database(c.env.DB);
  const organization = await getOrganization(db, orgId(c));
  const { assignableTo, limit, cursor } = readQuery(c.req.query(), listQuery);
  // The teams offered to a member: a manual member may join manual teams only.
  const member = assignableTo ? await findMember(db, scopeOf(organization), assignableTo) : undefined;
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
  const db = database(c.env.DB);
  const organization = await getOrganization(db, orgId(c));
  const team = await createTeam(db, organization, { displayName: name, memberIds: [], source: "manual" }, ADMIN);
  return c.json((await views(db, organization, [team]))[0], 201);
});

teamsApi.get("/:id", async (c) => {
  const db = database(c.env.DB);
  const organization = await getOrganization(db, orgId(c));
  const team = await findTeam(db, scopeOf(organization), c.req.param("id"));
  const [view] = await views(db, organization, [team]);
  const members = (await selectMembersOfTeams(db, [team.id])).get(team.id) ?? [];
  return c.json({ ...view, members: members.map((m) => ({ id: m.id, email: m.userName })) });
});

teamsApi.patch("/:id", async (c) => {
  const { name } = await readBody(c, teamRequest);
  const { db, organization, team } = await editableTeam(c);
  const renamed = await updateTeam(
    db,
    team,
    { displayName: name, externalId: team.externalId },
    NO_MEMBERSHIP_CHANGE,
    ADMIN,
  );
  return c.json((await views(db, organization, [renamed]))[0]);
});

teamsApi.delete("/:id", async (c) => {
  const { db, team } = await editableTeam(c);
  await deleteTeam(db, team, ADMIN);
  return c.body(null, 204);
});

teamsApi.post("/:id/members", async (c) => {
  const { memberIds } = await readBody(c, membersRequest);
  const { db, organization, team } = await editableTeam(c);
  const updated = await updateTeam(db, team, team, { add: memberIds, remove: [] }, ADMIN);
  return c.json((await views(db, organization, [updated]))[0]);
});

teamsApi.delete("/:id/members/:memberId", async (c) => {
  const { db, organization, team } = await editableTeam(c);
  const member = await findMember(db, scopeOf(organization), c.req.param("memberId"));
  const updated = await updateTeam(db, team, team, { add: [], remove: [member.id] }, ADMIN);
  return c.json((await views(db, organization, [updated]))[0]);
});

const orgId = (c: Context) => c.req.param("orgId")!;
const scopeOf = (organization: Organization) => ({ orgId: organization.id, provisionedOnly: false });

/** The team a write targets, refused while it is a provisioned team under active provisioning. */
async function editableTeam(c: Context<AppEnv>) {
  const db = database(c.env.DB);
  const organization = await getOrganization(db, orgId(c));
  const team = await findTeam(db, scopeOf(organization), c.req.param("id")!);
  assertEditable(organization, team, "team");
  return { db, organization, team };
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
