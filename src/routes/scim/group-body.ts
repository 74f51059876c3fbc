import type { Context } from "hono";
import type { Database } from "../../db/client";
import type { Team } from "../../db/schema-types";
import { type GroupMember, teamMemberPages } from "../../domain/scim-resources";
import { teamDocument } from "../../domain/teams";
import type { AppEnv } from "../../env";
import { projectResource } from "../../scim/projection";
import { renderResource } from "../../scim/resource";
import { groupResourceType } from "../../scim/schemas/resource-type";
import { tenantUrl } from "../tenant-url";
import { requestProjection, StreamedJson, scimJson, streamedScimJson } from "./respond";

type Json = Record<string, unknown>;

/** The team's Location. */
export function groupLocation(c: Context<AppEnv>, teamId: string) {
  return `${tenantUrl(c, c.req.param("orgId")!)}/Groups/${teamId}`;
}

function memberOf(c: Context<AppEnv>) {
  const usersUrl = `${tenantUrl(c, c.req.param("orgId")!)}/Users`;
  return (m: GroupMember) => ({ value: m.id, display: m.userName, $ref: `${usersUrl}/${m.id}` });
}

/** The Group resource with the members given (or none, when the response does not show them), projected. */
export function renderGroup(c: Context<AppEnv>, team: Team, members?: GroupMember[]): Json {
  const resource = renderResource(
    teamDocument(team),
    {
      id: team.id,
      resourceType: "Group",
      created: team.createdAt,
      lastModified: team.updatedAt,
      version: team.version,
      location: groupLocation(c, team.id),
    },
    members ? { members: members.map(memberOf(c)) } : {},
  );
  return projectResource(resource, requestProjection(c), groupResourceType);
}

/**
 * A Group's JSON: whole when the projection leaves its members out, else streamed with its `members`
 * read in keyset pages (teamMemberPages) and written out page by page, so a 100,000-member group
 * never sits in memory whole, as rows, objects or one JSON string. `firstPage` is the first page
 * when the caller read it in its own round trip. The pages are not one snapshot: a change committed
 * while the answer streams may show in its later pages, as it would in a client's next read.
 */
export function groupJson(
  c: Context<AppEnv>,
  db: Database,
  team: Team,
  firstPage?: GroupMember[],
): Json | StreamedJson {
  const shape = renderGroup(c, team, [{ id: "", userName: "" }]);
  const sample = Array.isArray(shape.members) ? (shape.members[0] as Json | undefined) : undefined;
  if (!sample) return shape;

  // Each member with the sub-attributes the projection keeps, in the order it keeps them.
  const kept = Object.keys(sample) as ("value" | "display" | "$ref")[];
  const render = memberOf(c);
  const member = (row: GroupMember) => {
    const full = render(row);
    return JSON.stringify(Object.fromEntries(kept.map((key) => [key, full[key]])));
  };
  const entries = Object.entries(shape);
  const at = entries.findIndex(([key]) => key === "members");
  const fields = (list: [string, unknown][]) =>
    list.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`);
  const head = `{${[...fields(entries.slice(0, at)), '"members":['].join(",")}`;
  const tail = `]${entries.length > at + 1 ? `,${fields(entries.slice(at + 1)).join(",")}` : ""}}`;

  return new StreamedJson(async function* () {
    yield head;
    let separator = "";
    for await (const page of teamMemberPages(db, team.id, firstPage)) {
      if (page.length === 0) continue;
      yield separator + page.map(member).join(",");
      separator = ",";
    }
    yield tail;
  });
}

/** A Group response (see groupJson): streamed when it shows members. */
export function groupResponse(
  c: Context<AppEnv>,
  db: Database,
  team: Team,
  status: 200 | 201,
  headers: Record<string, string>,
  firstPage?: GroupMember[],
): Response {
  const json = groupJson(c, db, team, firstPage);
  return json instanceof StreamedJson
    ? streamedScimJson(c, [json], status, headers)
    : scimJson(c, json, status, headers);
}
