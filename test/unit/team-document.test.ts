import { getTableColumns } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { teams } from "../../src/db/schema";
import type { Team } from "../../src/db/schema-types";
import { TEAM_ATTRIBUTES, teamDocument } from "../../src/domain/teams";
import { GROUP_SCHEMA } from "../../src/scim/schemas/urns";

describe("a team's Group document and its columns", () => {
  it("stores each Group attribute a client writes, members aside, in the teams column of its name", () => {
    expect(TEAM_ATTRIBUTES).toEqual(expect.arrayContaining(["displayName", "externalId"]));
    for (const notStored of ["members", "id", "meta"]) expect(TEAM_ATTRIBUTES).not.toContain(notStored);
    const columns = Object.keys(getTableColumns(teams));
    for (const name of TEAM_ATTRIBUTES) expect(columns, `the column of ${name}`).toContain(name);
  });

  it("reads a team's document from its columns, leaving out what is unassigned", () => {
    const team = { displayName: "Sales", externalId: null } as Team;
    expect(teamDocument(team)).toEqual({ schemas: [GROUP_SCHEMA], displayName: "Sales" });
    expect(teamDocument({ ...team, externalId: "" })).toEqual({
      schemas: [GROUP_SCHEMA],
      displayName: "Sales",
      externalId: "",
    });
  });
});
