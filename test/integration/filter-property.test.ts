import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ENTERPRISE, filterText, matches, scimText, userFilter } from "../filter-arbitrary";
import { createTenant, scim, USER_SCHEMA } from "../helpers";

/** Filters tried against one population; the population itself is random too (fixed seed per run of the suite). */
const RUNS = { populationSize: 40, filters: 300 };

type Json = Record<string, any>;

const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });

/** A random user body; at most one email is primary (RFC 7643 §2.4). */
const userBody = (index: number) =>
  fc
    .record({
      prefix: fc.string({ unit: fc.constantFrom("a", "B", "%", "_", "\\", '"', ".", "-"), maxLength: 4 }),
      externalId: optional(scimText()),
      displayName: optional(scimText()),
      title: optional(scimText()),
      givenName: optional(scimText()),
      familyName: optional(scimText()),
      department: optional(scimText()),
      active: fc.boolean(),
      emails: fc.array(
        fc.record(
          {
            value: scimText(),
            type: fc.oneof(fc.constantFrom("work", "home", "Work"), scimText()),
            primary: fc.boolean(),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 3 },
      ),
    })
    .map((u) => {
      let primaryTaken = false;
      const emails = u.emails.map((email) => {
        if (!email.primary) return email;
        const keep = !primaryTaken;
        primaryTaken = true;
        return { ...email, primary: keep };
      });
      return {
        schemas: [USER_SCHEMA],
        userName: `${u.prefix}${index}@acme.test`,
        externalId: u.externalId,
        displayName: u.displayName,
        title: u.title,
        name: { givenName: u.givenName, familyName: u.familyName },
        active: u.active,
        emails,
        [ENTERPRISE]: { department: u.department },
      };
    });

describe("filters in SQL agree with a reference evaluator", () => {
  it("gives the same members for random filters over a random population", async () => {
    const tenant = await createTenant({ licenses: RUNS.populationSize });
    // A new population on every run; its seed is in every failure message, to replay it.
    const seed = Date.now() % 2 ** 31;
    const bodies = Array.from(
      { length: RUNS.populationSize },
      (_, i) => fc.sample(userBody(i), { seed: seed + i, numRuns: 1 })[0],
    );
    const created = await Promise.all(bodies.map((json) => scim(tenant, "/Users", { method: "POST", json })));
    expect(created.map((r) => r.status)).toEqual(bodies.map(() => 201));
    const list = (await (await scim(tenant, "/Users?count=1000")).json()) as { Resources: Json[] };
    const resources = list.Resources;
    expect(resources).toHaveLength(RUNS.populationSize);

    // Literals drawn from what the population holds, so that most filters match someone.
    const strings = resources.flatMap((r) => [
      r.userName,
      r.title,
      r.displayName,
      r.externalId,
      r.name?.givenName,
      ...(r.emails ?? []).flatMap((e: Json) => [e.value, e.type]),
    ]);
    const samples = {
      string: [...new Set(strings.filter((s): s is string => typeof s === "string"))],
      boolean: [],
      dateTime: resources.map((r) => r.meta.created as string),
    };
    let matchedSome = 0;
    await fc.assert(
      fc.asyncProperty(userFilter(samples), async (filter) => {
        const text = filterText(filter);
        const response = await scim(tenant, `/Users?count=1000&attributes=id&filter=${encodeURIComponent(text)}`);
        expect(response.status, `${text} (population seed ${seed})`).toBe(200);
        const found = ((await response.json()) as { Resources: Json[] }).Resources.map((r) => r.id).sort();
        const expected = resources
          .filter((r) => matches(filter, r))
          .map((r) => r.id)
          .sort();
        expect(found, `${text} (population seed ${seed})`).toEqual(expected);
        if (expected.length > 0 && expected.length < resources.length) matchedSome++;
      }),
      { numRuns: RUNS.filters },
    );
    // Filters that split the population, not only all-or-nothing ones.
    expect(matchedSome).toBeGreaterThan(RUNS.filters / 5);
  }, 60_000);
});
