import { type Context, Hono } from "hono";
import type { Actor } from "../../activity/actions";
import { type Database, database } from "../../db/client";
import type { Team } from "../../db/schema-types";
import {
  countTeamsStatement,
  selectMembersOfTeamStatement,
  selectMembersOfTeams,
  selectTeamPageStatement,
  selectTeamStatement,
  type TeamSortField,
  teamFilterTarget,
  teamSortFields,
} from "../../db/team-queries";
import { createTeam, deleteTeam, type TeamScope, updateTeam } from "../../domain/teams";
import type { AppEnv } from "../../env";
import { notFound } from "../../scim/errors";
import { planGroupPatch } from "../../scim/group-membership";
import { normalizeResource } from "../../scim/normalize";
import { describeGroupPatch } from "../../scim/operation";
import { applyPatch } from "../../scim/patch/apply-patch";
import { isAttributeRequested, projectResource } from "../../scim/projection";
import { etag, renderResource } from "../../scim/resource";
import { groupResourceType } from "../../scim/schemas/resource-type";
import { authorize } from "./auth";
import { type Listing, queryRequest, respondWithList, searchRequest } from "./list";
import { methodNotAllowed } from "./method-not-allowed";
import { readPatchOperations, requireCurrentVersion } from "./patch-request";
import { noteGroup } from "./request-log";
import { notModified, readJson, requestProjection, scimJson, tenantUrl } from "./respond";

export const groups = new Hono<AppEnv>();

/** How SCIM lists groups: provisioned teams, with their members unless the response leaves them out. */
export const groupListing: Listing<Team, TeamSortField> = {
  type: groupResourceType,
  sortFields: teamSortFields,
  filterTarget: teamFilterTarget,
  page: (c, db, query) => selectTeamPageStatement(db, scope(c), query),
  count: (c, db, where) => countTeamsStatement(db, scope(c), where),
  unfilteredTotal: (organization) => organization.provisionedTeams,
  async render(c, rows) {
    const withMembers = isAttributeRequested(requestProjection(c), groupResourceType, "members");
    const db = database(c.env.DB);
    const members = withMembers
      ? await selectMembersOfTeams(
          db,
          rows.map((t) => t.id),
        )
      : undefined;
    return rows.map((team) => render(c, team, members?.get(team.id) ?? (members ? [] : undefined)));
  },
};

groups.get("/", (c) => respondWithList(c, [groupListing], queryRequest(c)));
groups.post("/.search", (c) => respondWithList(c, [groupListing], searchRequest(c)));
groups.all("/.search", methodNotAllowed("POST"));

groups.post("/", async (c) => {
  const db = database(c.env.DB);
  await authorize(c, db, []);
  const body = await readJson(c);
  const organization = c.get("organization");
  const document = normalizeResource(body, groupResourceType);
  noteGroup(c, document);
  const team = await createTeam(
    db,
    organization,
    {
      ...teamAttributes(document),
      memberIds: memberValues(document),
      source: organization.scimProvider ?? "generic",
    },
    actor(c),
  );
  return respondWithTeam(c, team, 201, { Location: location(c, team.id) });
});

groups.get("/:id", async (c) => {
  const db = database(c.env.DB);
  // The tenant, the team and (unless excluded) its members: one round trip.
  const withMembers = isAttributeRequested(requestProjection(c), groupResourceType, "members");
  const id = c.req.param("id");
  const [[team], members] = withMembers
    ? await authorize(c, db, [selectTeamStatement(db, scope(c), id), selectMembersOfTeamStatement(db, id)])
    : [...(await authorize(c, db, [selectTeamStatement(db, scope(c), id)])), undefined];
  if (!team) throw notFound(`No group ${id}.`);
  return notModified(c, team.version) ?? scimJson(c, render(c, team, members), 200, { ETag: etag(team.version) });
});

groups.put("/:id", async (c) => {
  const db = database(c.env.DB);
  const team = await readTeam(c, db);
  requireCurrentVersion(c, team);
  const document = normalizeResource(await readJson(c), groupResourceType);
  const updated = await updateTeam(
    db,
    team,
    teamAttributes(document),
    { replace: memberValues(document), add: [], remove: [] },
    actor(c),
  );
  return respondWithTeam(c, updated);
});

groups.patch("/:id", async (c) => {
  const db = database(c.env.DB);
  const team = await readTeam(c, db);
  requireCurrentVersion(c, team);
  const operations = await readPatchOperations(c);
  // Membership becomes row inserts and deletes; only displayName/externalId go through the document PATCH.
  const { membership, attributeOperations } = planGroupPatch(operations);
  c.set("operationDetail", describeGroupPatch({ membership, attributeOperations }));
  const current = {
    schemas: [groupResourceType.schema.id],
    displayName: team.displayName,
    externalId: team.externalId ?? undefined,
  };
  const document = normalizeResource(applyPatch(current, attributeOperations, groupResourceType), groupResourceType);
  const updated = await updateTeam(db, team, teamAttributes(document), membership, actor(c));
  return respondWithTeam(c, updated);
});

groups.delete("/:id", async (c) => {
  const db = database(c.env.DB);
  const team = await readTeam(c, db);
  requireCurrentVersion(c, team);
  await deleteTeam(db, team, actor(c));
  return c.body(null, 204);
});

groups.all("/", methodNotAllowed("GET", "POST"));
groups.all("/:id", methodNotAllowed("GET", "PUT", "PATCH", "DELETE"));

const scope = (c: Context<AppEnv>): TeamScope => ({ orgId: c.req.param("orgId")!, provisionedOnly: true });

const actor = (c: Context<AppEnv>): Actor => `scim:${c.get("organization").scimProvider ?? "generic"}`;

const location = (c: Context<AppEnv>, id: string) => `${tenantUrl(c, scope(c).orgId)}/Groups/${id}`;

function teamAttributes(document: Record<string, unknown>) {
  return {
    displayName: String(document.displayName),
    externalId: typeof document.externalId === "string" ? document.externalId : null,
  };
}

function memberValues(document: Record<string, unknown>): string[] {
  const members = Array.isArray(document.members) ? (document.members as { value?: unknown }[]) : [];
  return members.map((m) => m.value).filter((v): v is string => typeof v === "string");
}

/** The tenant check and the team in one round trip; 404 for an id SCIM cannot see. */
async function readTeam(c: Context<AppEnv>, db: Database): Promise<Team> {
  const [[team]] = await authorize(c, db, [selectTeamStatement(db, scope(c), c.req.param("id")!)]);
  if (!team) throw notFound(`No group ${c.req.param("id")}.`);
  noteGroup(c, team, team.id);
  return team;
}

/** The Group resource; `members` only when it was read (it is not when the response excludes it). */
function render(c: Context<AppEnv>, team: Team, members?: { id: string; userName: string }[]) {
  const usersUrl = `${tenantUrl(c, scope(c).orgId)}/Users`;
  const resource = renderResource(
    {
      schemas: [groupResourceType.schema.id],
      displayName: team.displayName,
      ...(team.externalId ? { externalId: team.externalId } : {}),
    },
    {
      id: team.id,
      resourceType: "Group",
      created: team.createdAt,
      lastModified: team.updatedAt,
      version: team.version,
      location: location(c, team.id),
    },
    members ? { members: members.map((m) => ({ value: m.id, display: m.userName, $ref: `${usersUrl}/${m.id}` })) } : {},
  );
  return projectResource(resource, requestProjection(c), groupResourceType);
}

/** Answers a write with the team as it now is, reading its members only when the response shows them. */
async function respondWithTeam(
  c: Context<AppEnv>,
  team: Team,
  status: 200 | 201 = 200,
  headers: Record<string, string> = {},
) {
  noteGroup(c, team, team.id);
  const withMembers = isAttributeRequested(requestProjection(c), groupResourceType, "members");
  const members = withMembers ? await selectMembersOfTeamStatement(database(c.env.DB), team.id) : undefined;
  return scimJson(c, render(c, team, members), status, { ...headers, ETag: etag(team.version) });
}
