import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { invocationDatabase, invocationStorage } from "../../src/db/client";
import { activityEntries, activityPage } from "../../src/domain/activity-log";
import { conflictDecisions } from "../../src/domain/conflict-resolution";
import { DomainError } from "../../src/domain/errors";
import { licencesRunningLow } from "../../src/domain/licences";
import { controlPanelScope, findMember, listMembers } from "../../src/domain/members";
import {
  joinsManualTeamsOnly,
  MAX_MEMBERS_PER_REQUEST,
  mayJoin,
  whoMayJoin,
  whyTeamsNotOffered,
} from "../../src/domain/membership";
import { getOrganization, listOrganizations } from "../../src/domain/organizations";
import { readPage } from "../../src/domain/pages";
import { readOnlyNotice } from "../../src/domain/read-only";
import { groupList, listResources, planList, userList } from "../../src/domain/scim-lists";
import { provisionedMember, provisionedTeamWithMembers } from "../../src/domain/scim-resources";
import { scimSettings } from "../../src/domain/scim-settings";
import { readTenantWith, type TenantCheck } from "../../src/domain/scim-tenant";
import { assignableTeams, listTeams, membersByEmail } from "../../src/domain/team-lists";
import { addTeamMembers, createManualTeam } from "../../src/domain/teams";
import { listRequestFromQuery } from "../../src/scim/list-response";
import { activity, admin, createGroup, createOrganization, createTenant, createUser, tenantRows } from "../helpers";

// The organizations of these tests are created on shard 0, where their domain calls go.
const db = () => invocationDatabase(env.DB_SHARD_0);

/** Refused by the domain with this code. */
async function refused(action: Promise<unknown>, code: string) {
  const error = await action.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe(code);
  return error as DomainError;
}

async function invite(orgId: string, email: string) {
  const response = await admin(`/organizations/${orgId}/members`, { method: "POST", json: { email } });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

/** A tenant check as the SCIM adapter makes it (one batch with the tenant's row), counting its round trips. */
function countingCheck(orgId: string) {
  const batches: number[] = [];
  const check: TenantCheck = async (reads) => {
    batches.push(reads.length + 1);
    const { tenant, results } = await readTenantWith(db(), orgId, reads);
    if (!tenant) throw new Error("no tenant");
    return { organization: tenant, results };
  };
  return { check, batches };
}

describe("the read-only notice", () => {
  it("names the provider while provisioning is on and it provisioned something, from the counters", async () => {
    const tenant = await createTenant({ shard: 0, provider: "entra" });
    const empty = await getOrganization(db(), tenant.orgId);
    expect(readOnlyNotice(empty)).toBeUndefined();
    await createUser(tenant, "ro@acme.test");
    const provisioned = await getOrganization(db(), tenant.orgId);
    expect(readOnlyNotice(provisioned)).toBe("entra");
    expect(readOnlyNotice({ ...provisioned, provisionedMembers: 0, provisionedTeams: 1 })).toBe("entra");
    // Off, nothing is read-only, though the provisioned members are still there.
    expect(readOnlyNotice({ ...provisioned, scimEnabled: false })).toBeUndefined();
  });

  it("is what the settings view reports, beside the counts of provisioned members and teams", async () => {
    const tenant = await createTenant({ shard: 0 });
    const user = await createUser(tenant, "counted@acme.test");
    await createGroup(tenant, "Counted", [user.id]);
    await invite(tenant.orgId, "manual@acme.test");
    const on = await scimSettings(db(), await getOrganization(db(), tenant.orgId));
    expect(on).toMatchObject({ provisionedMembers: 1, provisionedTeams: 1, readOnlyNotice: true });
    expect(on.health.warnings).toEqual([]);
    await admin(`/organizations/${tenant.orgId}/scim`, { method: "PUT", json: { enabled: false } });
    const off = await scimSettings(db(), await getOrganization(db(), tenant.orgId));
    expect(off).toMatchObject({ provisionedMembers: 1, provisionedTeams: 1, readOnlyNotice: false });
  });
});

describe("what the control panel offers and warns of", () => {
  it("offers link and dismiss on a conflict over a manual member's email, dismiss on others, nothing once closed", async () => {
    const organization = await getOrganization(db(), (await createOrganization(50, "Acme", 0)).id);
    const conflict = (kind: string, status = "open") => ({ kind, status }) as Parameters<typeof conflictDecisions>[0];
    expect(conflictDecisions(conflict("email_held_by_manual_member"))).toEqual(["link", "dismiss"]);
    for (const kind of ["no_licence", "edited_while_off", "deleted_while_off"]) {
      expect(conflictDecisions(conflict(kind))).toEqual(["dismiss"]);
    }
    expect(conflictDecisions(conflict("email_held_by_manual_member", "linked"))).toEqual([]);
    expect(conflictDecisions(conflict("no_licence", "dismissed"))).toEqual([]);
    // Licences: a warning under 5 % left, or none left.
    const licences = (licenses: number, licensesUsed: number) =>
      licencesRunningLow({ ...organization, licenses, licensesUsed });
    expect(licences(100, 95)).toBeUndefined();
    expect(licences(100, 96)).toBe(4);
    expect(licences(10, 10)).toBe(0);
    expect(licences(0, 0)).toBe(0);
    expect(licences(10, 9)).toBeUndefined();
  });
});

describe("the membership rule and the teams it offers", () => {
  it("lets a provisioned member join any team and a manual one only manual teams, and says so", () => {
    const [manual, provisioned] = [{ provisioned: false }, { provisioned: true }];
    expect(mayJoin(manual, manual)).toBe(true);
    expect(mayJoin(manual, provisioned)).toBe(true);
    expect(mayJoin(provisioned, provisioned)).toBe(true);
    expect(mayJoin(provisioned, manual)).toBe(false);
    expect(joinsManualTeamsOnly(manual)).toBe(true);
    expect(joinsManualTeamsOnly(provisioned)).toBe(false);
    expect(whoMayJoin(provisioned)).toBe(
      "Only members provisioned by an identity provider can join a provisioned team.",
    );
    expect(whoMayJoin(manual)).toBe("Any member can join a team created here, provisioned members included.");
    expect(whyTeamsNotOffered(manual)).toContain("Only teams created here are listed");
    expect(whyTeamsNotOffered(provisioned)).toBeUndefined();
  });

  it("offers a manual member the manual teams only, a provisioned member every team, a page at a time", async () => {
    const tenant = await createTenant({ shard: 0 });
    const user = await createUser(tenant, "offered@acme.test");
    const scimTeam = await createGroup(tenant, "From Okta");
    const organization = await getOrganization(db(), tenant.orgId);
    const manualTeams = [];
    for (const name of ["Alpha", "Beta", "Gamma"]) manualTeams.push(await createManualTeam(db(), organization, name));
    const manualId = await invite(tenant.orgId, "offered-manual@acme.test");
    const manual = await findMember(db(), controlPanelScope(organization), manualId);

    const ids = async (member: { provisioned: boolean } | undefined) =>
      (await assignableTeams(db(), organization, member, { limit: 10 })).items.map((t) => t.id);
    expect(await ids(manual)).toEqual(manualTeams.map((t) => t.id));
    expect(await ids({ provisioned: true })).toEqual([scimTeam.id, ...manualTeams.map((t) => t.id)]);
    expect(await ids(undefined)).toEqual([scimTeam.id, ...manualTeams.map((t) => t.id)]);

    // The admin API's ?assignableTo=: the same rule, with sizes and the read-only flag.
    const first = await listTeams(db(), organization, { limit: 2 }, manualId);
    expect(first.items.map((t) => t.displayName)).toEqual(["Alpha", "Beta"]);
    const rest = await listTeams(db(), organization, { limit: 2, cursor: first.nextCursor! }, manualId);
    expect(rest).toMatchObject({
      items: [{ displayName: "Gamma", memberCount: 0, readOnly: false }],
      nextCursor: null,
    });
    const all = await listTeams(db(), organization, { limit: 10 }, user.id);
    expect(all.items.find((t) => t.id === scimTeam.id)).toMatchObject({ readOnly: true, provisioned: true });
    await refused(listTeams(db(), organization, { limit: 10 }, crypto.randomUUID()), "not_found");
  });
});

describe("the member list", () => {
  it("filters by search, source and status, pages by cursor, and shows each member's teams and read-only flag", async () => {
    const tenant = await createTenant({ shard: 0, licenses: 10 });
    const provisioned = await createUser(tenant, "listed-p@acme.test");
    const inactive = await createUser(tenant, "listed-off@acme.test", { active: false });
    const manualId = await invite(tenant.orgId, "listed-m@acme.test");
    const organization = await getOrganization(db(), tenant.orgId);
    const team = await createManualTeam(db(), organization, "Listed");
    await addTeamMembers(db(), organization, team.id, [manualId, provisioned.id]);

    const page = (filters: Parameters<typeof listMembers>[2], cursor?: string) =>
      listMembers(db(), organization, filters, { limit: 2, cursor });
    const first = await page({});
    expect(first.items.map((m) => m.id)).toEqual([provisioned.id, inactive.id]);
    const second = await page({}, first.nextCursor!);
    expect(second.nextCursor).toBeNull();
    expect(second.items).toEqual([
      expect.objectContaining({
        id: manualId,
        readOnly: false,
        teams: [{ memberId: manualId, id: team.id, displayName: "Listed" }],
      }),
    ]);
    expect(first.items[0]).toMatchObject({ readOnly: true, teams: [{ id: team.id }] });

    expect((await page({ source: "manual" })).items.map((m) => m.id)).toEqual([manualId]);
    expect((await page({ status: "deactivated" })).items.map((m) => m.id)).toEqual([inactive.id]);
    expect((await page({ q: "LISTED-M" })).items.map((m) => m.id)).toEqual([manualId]);
    await refused(page({}, "not-a-cursor"), "invalid_input");
  });

  it("names members by email in any case, once each, and refuses unknown emails and more than the cap", async () => {
    const tenant = await createTenant({ shard: 0 });
    const user = await createUser(tenant, "named@acme.test");
    const manualId = await invite(tenant.orgId, "named-m@acme.test");
    const organization = await getOrganization(db(), tenant.orgId);
    const ids = await membersByEmail(db(), organization, ["NAMED@acme.test", "named-m@acme.test", "named@ACME.test"]);
    expect(ids.sort()).toEqual([user.id, manualId].sort());
    const unknown = await refused(
      membersByEmail(db(), organization, ["named@acme.test", "nobody@acme.test", "none@acme.test"]),
      "unknown_members",
    );
    expect(unknown.message).toBe("No member has the email nobody@acme.test, none@acme.test.");
    const many = Array.from({ length: MAX_MEMBERS_PER_REQUEST + 1 }, (_, i) => `m${i}@acme.test`);
    const tooMany = await refused(membersByEmail(db(), organization, many), "too_many_members");
    expect(tooMany.message).toContain(String(MAX_MEMBERS_PER_REQUEST));
  });

  it("refuses a team write naming more than MAX_MEMBERS_PER_REQUEST members, whoever asks, and writes nothing", async () => {
    const organization = await getOrganization(db(), (await createOrganization(50, "Acme", 0)).id);
    const before = await tenantRows(organization.id);
    const ids = Array.from({ length: MAX_MEMBERS_PER_REQUEST + 1 }, () => crypto.randomUUID());
    await refused(createManualTeam(db(), organization, "Too many", ids), "too_many_members");
    expect(await tenantRows(organization.id)).toEqual(before);
    const team = await createManualTeam(db(), organization, "Capped");
    const after = await tenantRows(organization.id);
    await refused(addTeamMembers(db(), organization, team.id, ids), "too_many_members");
    expect(await tenantRows(organization.id)).toEqual(after);
  });
});

describe("keyset pages", () => {
  it("read one row more than asked and continue after the last row shown", async () => {
    const rows = ["a", "b", "c", "d", "e"].map((id, i) => ({ at: `2026-01-0${i + 1}`, id }));
    const read = (after: [string, string] | undefined, limit: number) =>
      Promise.resolve(rows.filter((row) => !after || row.at > after[0]).slice(0, limit));
    const first = await readPage({ limit: 2 }, read, (row) => [row.at, row.id]);
    expect(first.items.map((row) => row.id)).toEqual(["a", "b"]);
    const second = await readPage({ limit: 3, cursor: first.nextCursor! }, read, (row) => [row.at, row.id]);
    expect(second).toEqual({ items: rows.slice(2), nextCursor: null });
    const refusal = await refused(
      readPage({ limit: 2, cursor: btoa('["only one"]') }, read, () => ["", ""]),
      "invalid_input",
    );
    expect(refusal.message).toBe("cursor: not a cursor this API returned.");
  });

  it("list organizations by name, activity newest first, and export the whole log page by page", async () => {
    const name = `Domain reads ${crypto.randomUUID().slice(0, 8)}`;
    const organization = await createOrganization(5, name, 0);
    expect(
      (await listOrganizations(invocationStorage(env).shards, name.toUpperCase(), { limit: 5 })).items.map((o) => o.id),
    ).toEqual([organization.id]);
    const stored = await getOrganization(db(), organization.id);
    for (const teamName of ["One", "Two", "Three"]) await createManualTeam(db(), stored, teamName);
    await activity(organization.id); // the queue consumer has written every entry
    const all = await activityPage(db(), stored, { action: "team.created" }, { limit: 10 });
    expect(all.items.map((entry) => entry.targetName).sort()).toEqual(["One", "Three", "Two"]);
    const keys = all.items.map((entry) => `${entry.at} ${entry.id}`);
    expect(keys).toEqual([...keys].sort().reverse()); // newest first, ties by id
    const page = await activityPage(db(), stored, { action: "team.created" }, { limit: 2 });
    expect(page.items).toEqual(all.items.slice(0, 2));
    expect(
      (await activityPage(db(), stored, { action: "team.created" }, { limit: 2, cursor: page.nextCursor! })).items,
    ).toEqual(all.items.slice(2));
    const everything = await activityPage(db(), stored, {}, { limit: 100 });
    expect(everything.items).toHaveLength(4); // organization.created and three team.created
    const exported: (typeof everything.items)[] = [];
    for await (const rows of activityEntries(db(), stored, {}, 2)) exported.push(rows);
    // Two full reads, and a third that finds the end.
    expect(exported.map((rows) => rows.length)).toEqual([2, 2, 0]);
    expect(exported.flat()).toEqual(everything.items);
  });
});

describe("SCIM reads", () => {
  it("read a member with the tenant check in one round trip, and never one created by hand", async () => {
    const tenant = await createTenant({ shard: 0 });
    const user = await createUser(tenant, "scim-read@acme.test");
    const group = await createGroup(tenant, "Readers", [user.id]);
    const manualId = await invite(tenant.orgId, "scim-hidden@acme.test");

    const { check, batches } = countingCheck(tenant.orgId);
    const member = await provisionedMember(db(), check, tenant.orgId, user.id, true);
    expect(member).toMatchObject({ id: user.id, userName: "scim-read@acme.test" });
    expect(JSON.parse(member!.groups!)).toEqual([{ id: group.id, displayName: "Readers" }]);
    expect(await provisionedMember(db(), check, tenant.orgId, manualId, false)).toBeUndefined();
    const { team, firstPage } = await provisionedTeamWithMembers(db(), check, tenant.orgId, group.id);
    expect(team?.id).toBe(group.id);
    expect(firstPage.map((m) => m.id)).toEqual([user.id]);
    // One batch per read: the tenant's row with the member, then with the team and its first members.
    expect(batches).toEqual([2, 2, 3]);
  });

  it("list users by startIndex and by cursor, and users then groups at the root", async () => {
    const tenant = await createTenant({ shard: 0 });
    const users = [];
    for (let i = 0; i < 5; i++) users.push((await createUser(tenant, `listed${i}@acme.test`)).id);
    const group = await createGroup(tenant, "Listed group");
    const { check } = countingCheck(tenant.orgId);
    const list = async (lists: Parameters<typeof planList>[1], query: Record<string, string>) => {
      const request = listRequestFromQuery(query);
      return listResources(db(), check, tenant.orgId, planList(tenant.orgId, lists, request), request);
    };
    const byIndex = await list([userList], { startIndex: "2", count: "2" });
    expect(byIndex.totalResults).toBe(5);
    expect(byIndex.shown).toEqual([
      [0, [expect.objectContaining({ id: users[1] }), expect.objectContaining({ id: users[2] })]],
    ]);

    const root = await list([userList, groupList], { startIndex: "5", count: "2" });
    expect(root.totalResults).toBe(6);
    expect(root.shown.map(([part, rows]) => [part, rows.map((row) => row.id)])).toEqual([
      [0, [users[4]]],
      [1, [group.id]],
    ]);

    const firstRequest = listRequestFromQuery({ cursor: "", count: "3" });
    const plan = planList(tenant.orgId, [userList], firstRequest);
    const first = await listResources(db(), check, tenant.orgId, plan, firstRequest);
    expect(first.shown[0][1].map((row) => row.id)).toEqual(users.slice(0, 3));
    expect(first.previous).toBeUndefined();
    const second = await listResources(db(), check, tenant.orgId, plan, firstRequest, { ...first.next!, back: false });
    expect(second.shown[0][1].map((row) => row.id)).toEqual(users.slice(3));
    expect(second.next).toBeUndefined();
    expect(second.previous).toMatchObject({ part: 0, id: users[3] });
  });
});
