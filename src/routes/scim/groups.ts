import { Hono, type Context } from "hono";
import type { Actor } from "../../activity/actions";
import { database, type Database } from "../../db/client";
import type { Team } from "../../db/schema-types";
import { selectMembersOfTeams, selectTeamPage, teamFilterTarget } from "../../db/team-queries";
import { createTeam, deleteTeam, findTeam, updateTeam, type TeamScope } from "../../domain/teams";
import type { AppEnv } from "../../env";
import { compileFilter } from "../../scim/filter/compile";
import { planGroupPatch } from "../../scim/group-membership";
import { listResponse, parseListQuery } from "../../scim/list-response";
import { normalizeResource } from "../../scim/normalize";
import { applyPatch } from "../../scim/patch/apply-patch";
import { isAttributeRequested, parseProjection, projectResource, type Projection } from "../../scim/projection";
import { etag, renderResource } from "../../scim/resource";
import { groupResourceType } from "../../scim/schemas/resource-type";
import { methodNotAllowed } from "./method-not-allowed";
import { readPatchOperations, requireCurrentVersion } from "./patch-request";
import { readJson, scimJson, tenantUrl } from "./respond";

export const groups = new Hono<AppEnv>();

groups.get("/", async (c) => {
  const { startIndex, count } = parseListQuery(c.req.query());
  const filter = c.req.query("filter");
  const where = filter ? compileFilter(filter, teamFilterTarget(scope(c).orgId)) : undefined;
  const db = database(c.env.DB);
  const { total, rows } = await selectTeamPage(db, scope(c), { where, offset: startIndex - 1, limit: count });
  const projection = parseProjection(c.req.query());
  const resources = await renderTeams(c, db, rows, projection);
  return scimJson(c, listResponse(resources, { totalResults: total, startIndex, itemsPerPage: resources.length }));
});

groups.post("/", async (c) => {
  const organization = c.get("organization");
  const document = normalizeResource(await readJson(c), groupResourceType);
  const team = await createTeam(
    database(c.env.DB),
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

groups.get("/:id", async (c) => respondWithTeam(c, await findTeam(database(c.env.DB), scope(c), c.req.param("id"))));

groups.put("/:id", async (c) => {
  const db = database(c.env.DB);
  const document = normalizeResource(await readJson(c), groupResourceType);
  const team = await findTeam(db, scope(c), c.req.param("id"));
  requireCurrentVersion(c, team);
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
  const operations = await readPatchOperations(c);
  const team = await findTeam(db, scope(c), c.req.param("id"));
  requireCurrentVersion(c, team);
  // Membership becomes row inserts and deletes; only displayName/externalId go through the document PATCH.
  const { membership, attributeOperations } = planGroupPatch(operations);
  const current = { schemas: [groupResourceType.schema.id], displayName: team.displayName, externalId: team.externalId ?? undefined };
  const document = normalizeResource(applyPatch(current, attributeOperations, groupResourceType), groupResourceType);
  const updated = await updateTeam(db, team, teamAttributes(document), membership, actor(c));
  return respondWithTeam(c, updated);
});

groups.delete("/:id", async (c) => {
  const db = database(c.env.DB);
  if (c.req.header("If-Match")) requireCurrentVersion(c, await findTeam(db, scope(c), c.req.param("id")));
  await deleteTeam(db, scope(c), c.req.param("id"), actor(c));
  return c.body(null, 204);
});

groups.all("/", methodNotAllowed("GET", "POST"));
groups.all("/:id", methodNotAllowed("GET", "PUT", "PATCH", "DELETE"));

const scope = (c: Context<AppEnv>): TeamScope => ({ orgId: c.get("organization").id, provisionedOnly: true });

const actor = (c: Context<AppEnv>): Actor => `scim:${c.get("organization").scimProvider ?? "generic"}`;

const location = (c: Context<AppEnv>, id: string) => `${tenantUrl(c, c.get("organization").id)}/Groups/${id}`;

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

/** Renders teams; membership is read (in one round trip for the page) only when the response carries it. */
async function renderTeams(c: Context<AppEnv>, db: Database, teams: Team[], projection: Projection) {
  const withMembers = isAttributeRequested(projection, groupResourceType, "members");
  const membersByTeam = withMembers ? await selectMembersOfTeams(db, teams.map((t) => t.id)) : undefined;
  const usersUrl = `${tenantUrl(c, c.get("organization").id)}/Users`;
  return teams.map((team) => {
    const members = membersByTeam?.get(team.id)?.map((m) => ({ value: m.id, display: m.userName, $ref: `${usersUrl}/${m.id}` }));
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
      withMembers ? { members: members ?? [] } : {},
    );
    return projectResource(resource, projection, groupResourceType);
  });
}

async function respondWithTeam(
  c: Context<AppEnv>,
  team: Team,
  status: 200 | 201 = 200,
  headers: Record<string, string> = {},
) {
  const [resource] = await renderTeams(c, database(c.env.DB), [team], parseProjection(c.req.query()));
  return scimJson(c, resource, status, { ...headers, ETag: etag(team.version) });
}
