import { describe, expect, it } from "vitest";
import { activity, admin, createTenant, createUser, patchOp, scim, shardOf, user } from "../helpers";

/**
 * Concurrent requests against the real worker and D1: every interleaving the runtime produces must
 * end in a state some serial order of the same requests would produce, and lose nothing.
 */
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const CONCURRENT = 50;

function statuses(responses: Response[]) {
  const count: Record<number, number> = {};
  for (const { status } of responses) count[status] = (count[status] ?? 0) + 1;
  return count;
}

const countMembers = async (orgId: string) =>
  (await shardOf(orgId)
    .prepare("SELECT count(*) AS n FROM members WHERE org_id = ?")
    .bind(orgId)
    .first<{ n: number }>())!.n;

describe("races", () => {
  it(`${CONCURRENT} concurrent creates of one userName make exactly one member`, async () => {
    const tenant = await createTenant({ licenses: 100 });
    const responses = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) =>
        scim(tenant, "/Users", { method: "POST", json: user(i % 2 ? "Same@Acme.test" : "same@acme.test") }),
      ),
    );
    expect(statuses(responses)).toEqual({ 201: 1, 409: CONCURRENT - 1 });
    for (const refused of responses.filter((r) => r.status === 409)) {
      expect(((await refused.json()) as any).scimType).toBe("uniqueness");
    }
    expect(await countMembers(tenant.orgId)).toBe(1);
    const organization = (await (await admin(`/organizations/${tenant.orgId}`)).json()) as any;
    expect(organization.licensesUsed).toBe(1);
    const log = await activity(tenant.orgId);
    expect(log.filter((e) => e.action === "member.created")).toHaveLength(1);
  });

  it(`${CONCURRENT} concurrent creates with 10 licences left: exactly 10 succeed`, async () => {
    const tenant = await createTenant({ licenses: 15 });
    for (let i = 0; i < 5; i++) await createUser(tenant, `before${i}@acme.test`);
    const responses = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) =>
        scim(tenant, "/Users", { method: "POST", json: user(`rush${i}@acme.test`) }),
      ),
    );
    expect(statuses(responses)).toEqual({ 201: 10, 403: CONCURRENT - 10 });
    expect(await countMembers(tenant.orgId)).toBe(15);
    const organization = (await (await admin(`/organizations/${tenant.orgId}`)).json()) as any;
    expect(organization).toMatchObject({ licenses: 15, licensesUsed: 15 });
    // Every accepted create is in the log once the queue has drained, and every refusal too.
    const created = await Promise.all(responses.filter((r) => r.status === 201).map((r) => r.json() as any));
    const log = await activity(tenant.orgId);
    const loggedIds = log.filter((e) => e.action === "member.created").map((e) => e.target_id);
    expect(loggedIds).toEqual(expect.arrayContaining(created.map((u) => u.id)));
    expect(log.filter((e) => e.action === "member.create_rejected")).toHaveLength(CONCURRENT - 10);
  });

  it("concurrent PATCHes adding different members to one group keep every member", async () => {
    const tenant = await createTenant({ licenses: 100 });
    const users = await Promise.all(Array.from({ length: 30 }, (_, i) => createUser(tenant, `m${i}@acme.test`)));
    const group = (await (
      await scim(tenant, "/Groups", { method: "POST", json: { schemas: [GROUP], displayName: "Crowd" } })
    ).json()) as any;
    const responses = await Promise.all(
      users.map((u, i) =>
        scim(tenant, `/Groups/${group.id}`, {
          method: "PATCH",
          json: patchOp(
            { op: "add", path: "members", value: [{ value: u.id }] },
            // Every third PATCH also renames, as Okta's group push does with each membership update.
            ...(i % 3 === 0 ? [{ op: "replace", value: { id: group.id, displayName: "Crowd" } }] : []),
          ),
        }),
      ),
    );
    expect(responses.every((r) => r.status === 200 || r.status === 204)).toBe(true);
    const stored = (await (await scim(tenant, `/Groups/${group.id}`)).json()) as any;
    expect(stored.members.map((m: any) => m.value).sort()).toEqual(users.map((u) => u.id).sort());
    const added = (await activity(tenant.orgId))
      .filter((e) => e.action === "team.members_added")
      .flatMap((e) => JSON.parse(e.changes!).members.map((m: any) => m.id));
    expect(added.sort()).toEqual(users.map((u) => u.id).sort());
  });

  it("a concurrent deactivation and PUT of one user end as one of the two orders would", async () => {
    const tenant = await createTenant({ licenses: 100 });
    for (let round = 0; round < 10; round++) {
      const created = await createUser(tenant, `both${round}@acme.test`, { title: "Before" });
      // Okta's PUT carries `active`; a PUT without it keeps what the user has when it is written.
      const withActive = round % 2 === 0;
      const { active: _active, ...withoutActive } = user(`both${round}@acme.test`, { title: `Put ${round}` });
      const put = withActive ? { ...withoutActive, active: true } : withoutActive;
      const [deactivated, replaced] = await Promise.all([
        scim(tenant, `/Users/${created.id}`, {
          method: "PATCH",
          json: patchOp({ op: "replace", value: { active: false } }),
        }),
        scim(tenant, `/Users/${created.id}`, { method: "PUT", json: put }),
      ]);
      expect([deactivated.status, replaced.status]).toEqual([200, 200]);
      const final = (await (await scim(tenant, `/Users/${created.id}`)).json()) as any;
      // PATCH then PUT: the PUT's user, active if the PUT says so. PUT then PATCH: the PUT's user,
      // deactivated. A PATCH applied to what it read before the PUT would bring back "Before"; a PUT
      // without `active` written over the deactivation would bring back active.
      const orders = withActive ? [true, false] : [false];
      expect(final.title).toBe(`Put ${round}`);
      expect(orders).toContain(final.active);
      const organization = (await (await admin(`/organizations/${tenant.orgId}`)).json()) as any;
      const active = (await shardOf(tenant.orgId)
        .prepare("SELECT count(*) AS n FROM members WHERE org_id = ? AND active = 1")
        .bind(tenant.orgId)
        .first<{ n: number }>())!.n;
      expect(organization.licensesUsed).toBe(active);
    }
  });

  it("once a rotation has answered, no SCIM call with the old token succeeds", async () => {
    const tenant = await createTenant();
    const oldToken = tenant.token;
    const outcomes: { startedAfterRotation: boolean; status: number }[] = [];
    let rotated = false;
    // Each caller keeps calling until it has made five calls that started after the rotation answered.
    const caller = async () => {
      for (let after = 0, calls = 0; after < 5 && calls < 100; calls++) {
        const startedAfterRotation = rotated;
        if (startedAfterRotation) after++;
        const response = await scim(tenant, "/Users?count=1", { token: oldToken });
        outcomes.push({ startedAfterRotation, status: response.status });
        if (outcomes.length === 16) callsUnderWay();
        await response.arrayBuffer();
      }
    };
    let callsUnderWay: () => void = () => {};
    const underWay = new Promise<void>((resolve) => {
      callsUnderWay = resolve;
    });
    const rotation = (async () => {
      await underWay;
      const response = await admin(`/organizations/${tenant.orgId}/scim/token`, { method: "POST" });
      rotated = true;
      return (await response.json()) as { token: string };
    })();
    const [{ token: newToken }] = await Promise.all([rotation, ...Array.from({ length: 8 }, caller)]);
    const after = outcomes.filter((o) => o.startedAfterRotation);
    expect(after).toHaveLength(8 * 5);
    // Calls raced the rotation: some before it succeeded, all after it failed.
    expect(outcomes.some((o) => !o.startedAfterRotation && o.status === 200)).toBe(true);
    expect(after.every((o) => o.status === 401)).toBe(true);
    expect(outcomes.every((o) => o.status === 200 || o.status === 401)).toBe(true);
    expect((await scim(tenant, "/Users", { token: newToken })).status).toBe(200);
    expect((await scim(tenant, "/Users", { token: oldToken })).status).toBe(401);
  });
});
