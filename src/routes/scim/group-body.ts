import type { Context } from "hono";
import type { Database } from "../../db/client";
import type { Team } from "../../db/schema-types";
import { selectTeamMemberKeysetPage } from "../../db/team-queries";
import { teamDocument } from "../../domain/teams";
import type { AppEnv } from "../../env";
import { projectResource } from "../../scim/projection";
import { renderResource } from "../../scim/resource";
import { groupResourceType } from "../../scim/schemas/resource-type";
import { tenantUrl } from "../tenant-url";
import { requestProjection, StreamedJson, scimJson, streamedScimJson } from "./respond";

export interface MemberRow {
  id: string;
  userName: string;
}

type Json = Record<string, unknown>;

/** Member rows per page of a group's `members`: a 100,000-member group is read and written out 5,000 at a time. */
export const MEMBER_PAGE_SIZE = 5_000;

/** The first page of a team's members, for a caller that reads it in its own round trip. */
export const firstMemberPage = (db: Database, teamId: string) =>
  selectTeamMemberKeysetPage(db, teamId, { limit: MEMBER_PAGE_SIZE });

/** The team's Location. */
export function groupLocation(c: Context<AppEnv>, teamId: string) {
  return `${tenantUrl(c, c.req.param("orgId")!)}/Groups/${teamId}`;
}

function memberOf(c: Context<AppEnv>) {
  const usersUrl = `${tenantUrl(c, c.req.param("orgId")!)}/Users`;
  return (m: MemberRow) => ({ value: m.id, display: m.userName, $ref: `${usersUrl}/${m.id}` });
}

/** The Group resource with the members given (or none, when the response does not show them), projected. */
export function renderGroup(c: Context<AppEnv>, team: Team, members?: MemberRow[]): Json {
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
 * read in keyset pages of MEMBER_PAGE_SIZE and written out page by page, so a 100,000-member group
 * never sits in memory whole, as rows, objects or one JSON string. `firstPage` is the first page
 * when the caller read it in its own round trip. The pages are not one snapshot: a change committed
 * while the answer streams may show in its later pages, as it would in a client's next read.
 */
export function groupJson(c: Context<AppEnv>, db: Database, team: Team, firstPage?: MemberRow[]): Json | StreamedJson {
  const shape = renderGroup(c, team, [{ id: "", userName: "" }]);
  const sample = Array.isArray(shape.members) ? (shape.members[0] as Json | undefined) : undefined;
  if (!sample) return shape;

  // Each member with the sub-attributes the projection keeps, in the order it keeps them.
  const kept = Object.keys(sample) as ("value" | "display" | "$ref")[];
  const render = memberOf(c);
  const member = (row: MemberRow) => {
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
    for await (const page of memberPages(db, team.id, firstPage)) {
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
  firstPage?: MemberRow[],
): Response {
  const json = groupJson(c, db, team, firstPage);
  return json instanceof StreamedJson
    ? streamedScimJson(c, [json], status, headers)
    : scimJson(c, json, status, headers);
}

/** A team's members, page after page by key, starting from `first` when it was read already. */
async function* memberPages(db: Database, teamId: string, first?: MemberRow[]) {
  let page = first ?? (await firstMemberPage(db, teamId));
  yield page;
  while (page.length === MEMBER_PAGE_SIZE) {
    page = await selectTeamMemberKeysetPage(db, teamId, { afterId: page.at(-1)!.id, limit: MEMBER_PAGE_SIZE });
    yield page;
  }
}
