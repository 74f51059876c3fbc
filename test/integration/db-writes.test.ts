import { env } from "cloudflare:workers";
import { eq, getTableColumns } from "drizzle-orm";
import * as v from "valibot";
import { describe, expect, it, vi } from "vitest";
import { deliverEntries } from "../../src/db/activity-queries";
import { database } from "../../src/db/client";
import { insertMemberStatement, updateMemberAtVersionStatement } from "../../src/db/member-queries";
import {
  type ActivityEntry,
  activityEntrySchema,
  pipelineMessageSchema,
  type ScimRequestRecord,
  scimRequestRecordSchema,
} from "../../src/db/pipeline-messages";
import { activityLog, DATABASE_NOW, scimRequests, teamMembers } from "../../src/db/schema";
import type { Member, Team } from "../../src/db/schema-types";
import { insertScimRequests } from "../../src/db/scim-request-queries";
import {
  addFirstMembersStatements,
  addMembersStatement,
  insertTeamStatement,
  removeMembersStatement,
  selectTeamByIdStatement,
  updateTeamAttributesStatement,
} from "../../src/db/team-queries";
import { createGroup, createOrganization, createTenant, createUser, patchOp, scim } from "../helpers";

/** The db layer's write statements, run on the real D1 as the domain runs them: what they store. */
// The organizations of these tests are created on shard 0, which `db` writes to.
const db = database(env.DB_SHARD_0);
const ISO_MILLISECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function member(orgId: string, userName = `${crypto.randomUUID()}@acme.test`): Promise<Member> {
  const [row] = await insertMemberStatement(db, {
    id: crypto.randomUUID(),
    orgId,
    userName,
    userNameLower: userName,
    email: userName,
    emailLower: userName,
    source: "okta",
    provisioned: true,
    document: { userName },
  });
  return row;
}

const readMember = async (id: string) =>
  (await env.DB_SHARD_0.prepare("SELECT version, created_at, updated_at FROM members WHERE id = ?")
    .bind(id)
    .first()) as {
    version: number;
    created_at: string;
    updated_at: string;
  };
/** A member's revision as readMember reads it from D1. */
const stored = (m: Member) => ({ version: m.version, created_at: m.createdAt, updated_at: m.updatedAt });
const readTeam = async (id: string) => {
  const [team] = (await selectTeamByIdStatement(db, id)) as Team[];
  return team;
};
const newTeam = (orgId: string) => {
  const displayName = `Team ${crypto.randomUUID()}`;
  return {
    id: crypto.randomUUID(),
    orgId,
    displayName,
    displayNameLower: displayName.toLowerCase(),
    source: "okta" as const,
    provisioned: true,
  };
};
const eqId = (column: typeof scimRequests.id | typeof activityLog.id, id: string) => eq(column, id);
const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("versions and timestamps: the database's, for every write", () => {
  it("inserts a member at version 1, created and lastModified stamped by one statement of the database's clock", async () => {
    const { id: orgId } = await createOrganization(50, "Acme", 0);
    const before = new Date().toISOString();
    const inserted = await member(orgId);
    expect(inserted.createdAt).toMatch(ISO_MILLISECONDS);
    expect(inserted).toMatchObject({ version: 1, updatedAt: inserted.createdAt });
    expect(inserted.createdAt >= before).toBe(true);
    expect(await readMember(inserted.id)).toEqual(stored(inserted));
  });

  it("moves a member's version on by one and stamps lastModified when written at the version read, and writes nothing at another", async () => {
    const { id: orgId } = await createOrganization(50, "Acme", 0);
    const inserted = await member(orgId);
    await pause();
    const [written] = await updateMemberAtVersionStatement(db, inserted.id, 1, { externalId: "ext-1" });
    expect(written).toMatchObject({ version: 2, createdAt: inserted.createdAt, externalId: "ext-1" });
    expect(written.updatedAt > inserted.updatedAt).toBe(true);
    expect(await readMember(inserted.id)).toEqual(stored(written));
    // A stale version: no row comes back and nothing changes.
    expect(await updateMemberAtVersionStatement(db, inserted.id, 1, { externalId: "ext-stale" })).toEqual([]);
    expect(await readMember(inserted.id)).toEqual(stored(written));
  });

  it("moves a team's version on for an attribute write, and both sides' for each membership row that joins or leaves", async () => {
    const { id: orgId } = await createOrganization(50, "Acme", 0);
    const [team] = await insertTeamStatement(db, newTeam(orgId));
    expect(team).toMatchObject({ version: 1, updatedAt: team.createdAt });
    const [a, b] = [await member(orgId), await member(orgId)];
    await pause();
    await updateTeamAttributesStatement(db, team.id, { externalId: "team-ext" });
    const renamed = await readTeam(team.id);
    expect(renamed).toMatchObject({ version: 2, externalId: "team-ext", createdAt: team.createdAt });
    expect(renamed.updatedAt > team.updatedAt).toBe(true);

    await pause();
    expect(await addMembersStatement(db, team, [a.id, b.id])).toHaveLength(2);
    const joined = await readTeam(team.id);
    expect(joined.version).toBe(4); // one per row
    expect(joined.updatedAt > renamed.updatedAt).toBe(true);
    const aJoined = await readMember(a.id);
    expect(aJoined).toMatchObject({ version: 2, created_at: a.createdAt });
    expect(aJoined.updated_at > a.updatedAt).toBe(true);

    // Rows already there are skipped and move nothing.
    expect(await addMembersStatement(db, team, [a.id])).toEqual([]);
    expect((await readTeam(team.id)).version).toBe(4);

    await pause();
    expect(await removeMembersStatement(db, team.id, [a.id])).toEqual([{ id: a.id }]);
    expect((await readTeam(team.id)).version).toBe(5);
    const aLeft = await readMember(a.id);
    expect(aLeft.version).toBe(3);
    expect(aLeft.updated_at > aJoined.updated_at).toBe(true);
    expect((await readMember(b.id)).version).toBe(2);
  });

  it("creates a team with its first members at version 1, each member moved on, in one batch", async () => {
    const { id: orgId } = await createOrganization(50, "Acme", 0);
    const members = [await member(orgId), await member(orgId), await member(orgId)];
    const row = newTeam(orgId);
    const results = await db.batch([
      ...(addFirstMembersStatements(db, row, [...members.map((m) => m.id), crypto.randomUUID()]) as [
        ReturnType<typeof insertTeamStatement>,
      ]),
      insertTeamStatement(db, row),
    ]);
    const [team] = results.at(-1) as Team[];
    expect(team).toMatchObject({ id: row.id, version: 1, updatedAt: team.createdAt });
    expect(await readTeam(row.id)).toMatchObject({ version: 1, updatedAt: team.createdAt });
    const rows = await db.select().from(teamMembers).all();
    expect(rows.filter((r) => r.teamId === row.id).map((r) => r.memberId)).toEqual(
      expect.arrayContaining(members.map((m) => m.id)),
    );
    for (const m of members) expect((await readMember(m.id)).version).toBe(2);
  });

  it("rolls a new team's first members back with it when the team cannot be inserted", async () => {
    const { id: orgId } = await createOrganization(50, "Acme", 0);
    const a = await member(orgId);
    const [existing] = await insertTeamStatement(db, newTeam(orgId));
    const clash = { ...newTeam(orgId), displayName: existing.displayName, displayNameLower: existing.displayNameLower };
    await expect(
      db.batch([
        ...(addFirstMembersStatements(db, clash, [a.id]) as [ReturnType<typeof insertTeamStatement>]),
        insertTeamStatement(db, clash),
      ]),
    ).rejects.toThrow();
    expect(
      await env.DB_SHARD_0.prepare("SELECT count(*) AS n FROM team_members WHERE member_id = ?").bind(a.id).first("n"),
    ).toBe(0);
    expect(await readMember(a.id)).toMatchObject({ version: 1, updated_at: a.updatedAt });
    // The deferral ended with that batch: a membership row without its team is refused at once again.
    await expect(
      env.DB_SHARD_0.prepare("INSERT INTO team_members (team_id, member_id, org_id) VALUES (?, ?, ?)")
        .bind(crypto.randomUUID(), a.id, orgId)
        .run(),
    ).rejects.toThrow(/FOREIGN KEY/);
  });

  it("stamps membership changes in the membership triggers with the same clock expression as the statements", async () => {
    const triggers = (
      await env.DB_SHARD_0.prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'team_members'",
      ).all<{
        name: string;
        sql: string;
      }>()
    ).results;
    expect(triggers.map((t) => t.name).sort()).toEqual([
      "team_members_versions_on_delete",
      "team_members_versions_on_insert",
    ]);
    // Each stamps the team and the member: the expression twice.
    for (const trigger of triggers) expect(trigger.sql.split(DATABASE_NOW), trigger.name).toHaveLength(3);
  });

  it("never lets a resource's lastModified go back, whatever the Worker's clock says: one clock stamps every write", async () => {
    const tenant = await createTenant({ shard: 0 });
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      // A Worker whose clock is years behind D1's: only the database's clock may stamp a resource.
      vi.setSystemTime(new Date("2020-01-01T00:00:00Z"));
      const user = await createUser(tenant, "clock@acme.test");
      const group = await createGroup(tenant, "Clock", [user.id]);
      const joined = (await (await scim(tenant, `/Users/${user.id}`)).json()) as any;
      const patched = (await (
        await scim(tenant, `/Users/${user.id}`, {
          method: "PATCH",
          json: patchOp({ op: "replace", path: "title", value: "Timekeeper" }),
        })
      ).json()) as any;
      const renamed = (await (
        await scim(tenant, `/Groups/${group.id}?excludedAttributes=members`, {
          method: "PATCH",
          json: patchOp({ op: "replace", path: "displayName", value: "Clocks" }),
        })
      ).json()) as any;
      expect(user.meta.lastModified >= user.meta.created).toBe(true);
      expect(joined.meta.lastModified >= user.meta.lastModified).toBe(true);
      expect(patched.meta.lastModified >= joined.meta.lastModified).toBe(true);
      expect(renamed.meta.lastModified >= group.meta.lastModified).toBe(true);
      expect(group.meta.lastModified >= group.meta.created).toBe(true);
      expect(user.meta.created > "2021").toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("records: one shape per table, from its columns", () => {
  const columns = (table: Parameters<typeof getTableColumns>[0]) => Object.keys(getTableColumns(table)).sort();
  const keys = (schema: unknown) => Object.keys((schema as v.ObjectSchema<v.ObjectEntries, undefined>).entries).sort();

  it("validates every column of the table but those derived on insert, so a new column needs no other edit", () => {
    expect(keys(scimRequestRecordSchema)).toEqual(
      columns(scimRequests).filter((c) => c !== "failed" && c !== "subjectLower"),
    );
    expect(keys(activityEntrySchema)).toEqual(columns(activityLog));
  });

  it("refuses a record whose values do not have their columns' types, and accepts absent nullable ones", () => {
    const record: ScimRequestRecord = {
      id: crypto.randomUUID(),
      orgId: "org",
      at: new Date().toISOString(),
      method: "GET",
      operation: "list users",
      status: 200,
      durationMs: 3,
      staleToken: false,
    };
    const message = (request: unknown) => v.safeParse(pipelineMessageSchema, { kind: "scim_request", request }).success;
    expect(message(record)).toBe(true);
    expect(message({ ...record, status: "200" })).toBe(false);
    expect(message({ ...record, durationMs: 1.5 })).toBe(false);
    expect(message({ ...record, id: "not-a-uuid" })).toBe(false);
    expect(message({ ...record, at: "yesterday" })).toBe(false);
    expect(message({ ...record, userName: 42 })).toBe(false);
    const { staleToken, ...withoutStaleToken } = record;
    expect(message(withoutStaleToken)).toBe(false);
    const entry = (value: unknown) => v.safeParse(pipelineMessageSchema, { kind: "activity", entry: value }).success;
    const valid: ActivityEntry = {
      id: crypto.randomUUID(),
      orgId: "org",
      at: new Date().toISOString(),
      actor: "scim:okta",
      action: "member.created",
      targetType: "member",
    };
    expect(entry(valid)).toBe(true);
    expect(entry({ ...valid, action: "member.exploded" })).toBe(false);
    expect(entry({ ...valid, actor: "someone" })).toBe(false);
    expect(entry({ ...valid, targetType: "planet" })).toBe(false);
    expect(entry({ ...valid, changes: "renamed" })).toBe(false);
  });

  it("stores a SCIM request record with what is derived from it, and an activity entry as it is", async () => {
    const orgId = crypto.randomUUID();
    const record: ScimRequestRecord = {
      id: crypto.randomUUID(),
      orgId,
      at: new Date().toISOString(),
      method: "POST",
      resourceType: "Users",
      operation: "create user",
      status: 409,
      scimType: "uniqueness",
      durationMs: 7,
      displayName: "Ada LOVELACE",
      staleToken: false,
    };
    await insertScimRequests(db, [record]);
    const [stored] = await db.select().from(scimRequests).where(eqId(scimRequests.id, record.id));
    expect(stored).toEqual({
      resourceId: null,
      detail: null,
      userAgent: null,
      provider: null,
      userName: null,
      externalId: null,
      ...record,
      failed: true,
      subjectLower: "ada lovelace",
    });

    const entry: ActivityEntry = {
      id: crypto.randomUUID(),
      orgId,
      at: new Date().toISOString(),
      actor: "admin",
      action: "team.updated",
      targetType: "team",
      targetId: "t-1",
      changes: { displayName: { from: "A", to: "B" } },
    };
    await deliverEntries(db, [entry]);
    const [logged] = await db.select().from(activityLog).where(eqId(activityLog.id, entry.id));
    expect(logged).toEqual({ targetName: null, ...entry });
  });
});
