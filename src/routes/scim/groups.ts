import { type Context, Hono } from "hono";
import type { Database } from "../../db/client";
import type { Team } from "../../db/schema-types";
import { groupList } from "../../domain/scim-lists";
import {
  completeMembersOfTeams,
  provisionedTeam,
  provisionedTeamWithMembers,
  provisioningActor,
  provisioningSource,
} from "../../domain/scim-resources";
import { createTeam, deleteTeam, patchTeam, replaceTeam } from "../../domain/teams";
import type { AppEnv } from "../../env";
import { notFound } from "../../scim/errors";
import { planGroupPatch } from "../../scim/group-membership";
import { normalizeResource } from "../../scim/normalize";
import { describeGroupPatch } from "../../scim/operation";
import { isAttributeRequested } from "../../scim/projection";
import { etag } from "../../scim/resource";
import { groupResourceType } from "../../scim/schemas/resource-type";
import { authorize, tenantCheck } from "./auth";
import { groupJson, groupLocation, groupResponse, renderGroup } from "./group-body";
import { type Listing, queryRequest, respondWithList, searchRequest } from "./list";
import { methodNotAllowed } from "./method-not-allowed";
import { readPatchOperations, writeOnCurrentVersion } from "./patch-request";
import { noteGroup } from "./request-log";
import { notModified, readJson, requestProjection } from "./respond";

export const groups = new Hono<AppEnv>();

/** How SCIM lists groups (see groupList), with their members unless the response leaves them out. */
export const groupListing: Listing<Team> = {
  list: groupList,
  // The page's members in one round trip, up to a page of member rows; a team too large for that
  // (an "everyone" group) streams its members as GET /Groups/{id} does, so no page is held whole.
  async render(c, rows) {
    if (!withMembers(c)) return rows.map((team) => renderGroup(c, team));
    const db = c.var.db;
    const complete = await completeMembersOfTeams(
      db,
      rows.map((team) => team.id),
    );
    return rows.map((team) => {
      const members = complete.get(team.id);
      return members ? renderGroup(c, team, members) : groupJson(c, db, team);
    });
  },
};

groups.get("/", (c) => respondWithList(c, [groupListing], queryRequest(c)));
groups.post("/.search", (c) => respondWithList(c, [groupListing], searchRequest(c)));
groups.all("/.search", methodNotAllowed("POST"));

groups.post("/", async (c) => {
  const db = c.var.db;
  await authorize(c, db, []);
  const body = await readJson(c);
  const organization = c.get("organization");
  const document = normalizeResource(body, groupResourceType);
  noteGroup(c, document);
  const team = await createTeam(db, organization, { document, source: provisioningSource(organization) }, actor(c));
  noteGroup(c, team, team.id);
  return groupResponse(c, db, team, 201, { Location: groupLocation(c, team.id), ETag: etag(team.version) });
});

groups.get("/:id", async (c) => {
  const db = c.var.db;
  // The tenant, the team and (unless excluded) the first page of its members: one round trip.
  const id = c.req.param("id");
  const check = tenantCheck(c, db);
  const { team, firstPage } = withMembers(c)
    ? await provisionedTeamWithMembers(db, check, orgId(c), id)
    : { team: await provisionedTeam(db, check, orgId(c), id), firstPage: undefined };
  if (!team) throw notFound(`No group ${id}.`);
  return notModified(c, team.version) ?? groupResponse(c, db, team, 200, { ETag: etag(team.version) }, firstPage);
});

groups.put("/:id", async (c) => {
  const db = c.var.db;
  const team = await readTeam(c, db);
  const document = normalizeResource(await readJson(c), groupResourceType);
  // The full list, differenced by SQLite against the rows as they are: one pass, and nothing
  // written (no version, no activity) when nothing differs.
  const updated = await writeOnCurrentVersion(
    c,
    team,
    () => readTeam(c, db),
    (current) => replaceTeam(db, current, document, actor(c), { expectedVersion: expectedVersion(c, current) }),
  );
  noteGroup(c, updated, updated.id);
  return groupResponse(c, db, updated, 200, { ETag: etag(updated.version) });
});

groups.patch("/:id", async (c) => {
  const db = c.var.db;
  const team = await readTeam(c, db);
  // Membership becomes row inserts and deletes; the other operations patch the team's Group document.
  const patch = planGroupPatch(await readPatchOperations(c, groupResourceType));
  c.set("operationDetail", describeGroupPatch(patch));
  const updated = await writeOnCurrentVersion(
    c,
    team,
    () => readTeam(c, db),
    (current) => patchTeam(db, current, patch, actor(c), { expectedVersion: expectedVersion(c, current) }),
  );
  noteGroup(c, updated, updated.id);
  // RFC 7644 §3.5.2: 204 unless the client asks for attributes; what Okta and Entra expect of a group PATCH.
  if (c.req.query("attributes") === undefined && c.req.query("excludedAttributes") === undefined) {
    return c.body(null, 204, { ETag: etag(updated.version) });
  }
  return groupResponse(c, db, updated, 200, { ETag: etag(updated.version) });
});

groups.delete("/:id", async (c) => {
  const db = c.var.db;
  const team = await readTeam(c, db);
  await writeOnCurrentVersion(
    c,
    team,
    () => readTeam(c, db),
    (current) => deleteTeam(db, current, actor(c), { expectedVersion: expectedVersion(c, current) }),
  );
  return c.body(null, 204);
});

groups.all("/", methodNotAllowed("GET", "POST"));
groups.all("/:id", methodNotAllowed("GET", "PUT", "PATCH", "DELETE"));

const orgId = (c: Context<AppEnv>) => c.req.param("orgId")!;

const actor = (c: Context<AppEnv>) => provisioningActor(c.get("organization"));

const withMembers = (c: Context<AppEnv>) => isAttributeRequested(requestProjection(c), groupResourceType, "members");

/** With If-Match, the write happens only at the version the client named (checked already to be `current`'s). */
const expectedVersion = (c: Context<AppEnv>, current: Team) =>
  c.req.header("If-Match") === undefined ? undefined : current.version;

/** The tenant check and the team in one round trip; 404 for an id SCIM cannot see. */
async function readTeam(c: Context<AppEnv>, db: Database): Promise<Team> {
  const id = c.req.param("id")!;
  const team = await provisionedTeam(db, tenantCheck(c, db), orgId(c), id);
  if (!team) throw notFound(`No group ${id}.`);
  noteGroup(c, team, team.id);
  return team;
}
