import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ENTERPRISE, scimText } from "../filter-arbitrary";
import { createTenant, createUser, GROUP_SCHEMA, patchOp, scim, tenantRows } from "../helpers";

/** PATCH requests tried, each a random run of valid operations with one bad operation somewhere in it. */
const RUNS = { userPatches: 60, groupPatches: 40 };

const validUserOperation = fc.oneof(
  fc.record({
    op: fc.constantFrom("replace", "Replace", "add"),
    path: fc.constantFrom("title", "displayName", "name.givenName", `${ENTERPRISE}:department`),
    value: scimText(),
  }),
  fc.record({
    op: fc.constant("replace"),
    path: fc.constant("active"),
    value: fc.constantFrom(true, false, "True", "False"),
  }),
  fc.record({
    op: fc.constant("add"),
    path: fc.constant("emails"),
    value: fc.constant([{ value: "extra@acme.test", type: "home" }]),
  }),
  fc.record({ op: fc.constant("remove"), path: fc.constantFrom("title", "nickName", 'emails[type eq "home"]') }),
  fc.record({ op: fc.constant("replace"), value: fc.record({ nickName: scimText(), "name.familyName": scimText() }) }),
);

const badUserOperation = fc.constantFrom(
  { op: "replace", path: "userName", value: 42 },
  { op: "replace", path: 'emails[type eq "work"].value', value: false },
  { op: "add", path: `${ENTERPRISE}:department`, value: { name: "R&D" } },
  { op: "add", path: "unknownAttr", value: "x" },
  { op: "replace", path: "id", value: "mine" },
  { op: "remove", path: "userName" }, // required: checked on the result, and no valid operation here restores it
  { op: "move", path: "title", value: "x" },
  { op: "remove" },
  { op: "replace", value: { "urn:example:undeclared:User": { badge: "7" } } },
  { op: "replace", path: "emails[type eq", value: "x" },
  { op: "add", path: "emails", value: [{ value: "a@b.c", primary: "maybe" }] },
);

/** Valid operations with one bad operation at a random position k. */
const failingAt = <T>(valid: fc.Arbitrary<T>, bad: fc.Arbitrary<T>, validAfter = valid) =>
  fc
    .tuple(fc.array(valid, { maxLength: 4 }), bad, fc.array(validAfter, { maxLength: 3 }))
    .map(([before, wrong, after]) => [...before, wrong, ...after]);

describe("a PATCH failing at operation k leaves the stored resource unchanged", () => {
  it("users", async () => {
    const tenant = await createTenant();
    const { id } = await createUser(tenant, "patched@acme.test", { title: "Engineer", nickName: "Ada" });
    await fc.assert(
      fc.asyncProperty(failingAt<object>(validUserOperation, badUserOperation), async (operations) => {
        const before = await tenantRows(tenant.orgId);
        const response = await scim(tenant, `/Users/${id}`, { method: "PATCH", json: patchOp(...operations) });
        expect(response.status).toBe(400);
        expect(await tenantRows(tenant.orgId)).toEqual(before);
      }),
      { numRuns: RUNS.userPatches },
    );
    // The valid operations alone do apply: the refusals above were the bad operation's.
    const ok = await scim(tenant, `/Users/${id}`, {
      method: "PATCH",
      json: patchOp({ op: "replace", path: "title", value: "Changed" }),
    });
    expect(ok.status).toBe(200);
  }, 60_000);

  it("groups, membership included", async () => {
    const tenant = await createTenant();
    const users = await Promise.all(["g1", "g2", "g3"].map((name) => createUser(tenant, `${name}@acme.test`)));
    const created = await scim(tenant, "/Groups", {
      method: "POST",
      json: { schemas: [GROUP_SCHEMA], displayName: "Crew", members: [{ value: users[0].id }] },
    });
    const { id } = (await created.json()) as { id: string };
    const member = fc.constantFrom(...users.map((u) => u.id));
    const edits = [
      fc.record({ op: fc.constant("add"), path: fc.constant("members"), value: member.map((value) => [{ value }]) }),
      fc.record({ op: fc.constant("remove"), path: member.map((value) => `members[value eq "${value}"]`) }),
      fc.record({
        op: fc.constant("replace"),
        path: fc.constant("displayName"),
        value: fc.constantFrom("Crew", "Crew 2"),
      }),
    ];
    const fullPush = fc.record({
      op: fc.constant("replace"),
      value: member.map((value) => ({ displayName: "Crew", members: [{ value }] })),
    });
    const bad = fc.constantFrom<object>(
      { op: "add", path: "members", value: [{ value: "no-such-user" }] },
      { op: "add", path: "members", value: [{ display: "no value" }] },
      { op: "replace", path: "displayName", value: 5 },
      { op: "add", path: "members[value eq", value: "x" },
      { op: "replace", value: { displayName: ["Crew"] } },
    );
    await fc.assert(
      // Unknown member ids are checked against the membership the whole PATCH ends with, and a full
      // push replaces earlier adds: so no full push follows the bad operation.
      fc.asyncProperty(failingAt(fc.oneof(...edits, fullPush), bad, fc.oneof(...edits)), async (operations) => {
        const before = await tenantRows(tenant.orgId);
        const response = await scim(tenant, `/Groups/${id}`, { method: "PATCH", json: patchOp(...operations) });
        expect(response.status).toBe(400);
        expect(await tenantRows(tenant.orgId)).toEqual(before);
      }),
      { numRuns: RUNS.groupPatches },
    );
  }, 60_000);
});
