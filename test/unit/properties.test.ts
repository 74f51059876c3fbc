import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileFilter } from "../../src/db/filter/compile";
import { memberFilterTarget } from "../../src/db/member-queries";
import { teamFilterTarget } from "../../src/db/team-queries";
import { ScimError } from "../../src/scim/errors";
import { normalizeResource } from "../../src/scim/normalize";
import { applyPatch } from "../../src/scim/patch/apply-patch";
import { type PatchRequestOperation, parsePatchOperations } from "../../src/scim/patch/operations";
import { projectResource } from "../../src/scim/projection";
import { userResourceType } from "../../src/scim/schemas/resource-type";
import { filterText, userFilter } from "../filter-arbitrary";

/**
 * Property-based tests of the pure SCIM layer. Run counts are chosen so this file takes about a
 * second; the filter-versus-SQL property, which needs D1, is in test/integration/filter-property.test.ts.
 */
const RUNS = {
  filterText: 3000,
  validFilters: 1000,
  filterTokens: 3000,
  patchSequences: 1500,
  projection: 1500,
};

const CORE = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const SCIM_TYPES = ["invalidFilter", "invalidPath", "invalidValue", "invalidSyntax", "noTarget", "mutability"];

type Json = Record<string, any>;

/** Runs `run`; a thrown error must be a 400 ScimError of one of `types`. Returns whether it threw. */
function throwsOnlyScimError(run: () => unknown, types: string[]): boolean {
  try {
    run();
    return false;
  } catch (error) {
    if (!(error instanceof ScimError)) throw error; // fast-check reports the input that led here
    expect(error.status).toBe(400);
    expect(types).toContain(error.scimType);
    return true;
  }
}

describe("filters: any text is a valid filter or a 400 invalidFilter", () => {
  const members = memberFilterTarget("org");
  const teams = teamFilterTarget("org");
  const compileBoth = (text: string) => {
    const threw = throwsOnlyScimError(() => compileFilter(text, members), ["invalidFilter"]);
    throwsOnlyScimError(() => compileFilter(text, teams), ["invalidFilter"]);
    return threw;
  };

  it("random strings", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80, unit: "binary" }), (text) => void compileBoth(text)),
      { numRuns: RUNS.filterText },
    );
  });

  const samples = {
    string: ["ada@acme.test", "a%_b", 'q"t', "back\\slash", "work", ""],
    boolean: [],
    dateTime: ["2026-01-01T00:00:00.000Z"],
  };

  it("every generated valid filter compiles", () => {
    fc.assert(
      fc.property(userFilter(samples), (filter) => {
        compileFilter(filterText(filter), members);
      }),
      { numRuns: RUNS.validFilters },
    );
  });

  it("token soup and damaged valid filters", () => {
    const token = fc.constantFrom(
      "userName",
      'emails[type eq "work"]',
      "meta.created",
      "members",
      "groups.value",
      `${CORE}:userName`,
      "unknownAttr",
      "eq",
      "gt",
      "pr",
      "and",
      "or",
      "not",
      "(",
      ")",
      "[",
      "]",
      ".",
      '"a\\"b"',
      '"',
      "True",
      "null",
      "-1.5e3",
      "'x'",
      "\\",
      "\n",
    );
    const soup = fc.array(token, { maxLength: 14 }).map((tokens) => tokens.join(" "));
    // A valid filter with a slice cut out and a token put in its place.
    const damaged = fc.tuple(userFilter(samples), fc.nat(), fc.nat(), token).map(([filter, from, length, inserted]) => {
      const valid = filterText(filter);
      const start = from % (valid.length + 1);
      return valid.slice(0, start) + inserted + valid.slice(start + (length % 8));
    });
    let parsed = 0;
    fc.assert(
      fc.property(fc.oneof(soup, damaged), (filter) => {
        if (!compileBoth(filter)) parsed++;
      }),
      { numRuns: RUNS.filterTokens },
    );
    // The damage is sometimes harmless: the generator reaches both outcomes.
    expect(parsed).toBeGreaterThan(RUNS.filterTokens / 100);
  });
});

const text = fc.string({ maxLength: 12 });
const anyValue = fc.oneof(
  text,
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom("True", "False", "null", ""),
  fc.record({ value: text, type: fc.constantFrom("work", "home"), primary: fc.boolean() }, { requiredKeys: [] }),
  fc.array(fc.record({ value: fc.oneof(text, fc.integer()), type: text }, { requiredKeys: [] }), { maxLength: 3 }),
  fc.record({ givenName: fc.oneof(text, fc.integer()), familyName: text }, { requiredKeys: [] }),
  fc.dictionary(text, text, { maxKeys: 2 }),
);
const patchPath = fc.constantFrom(
  undefined,
  "title",
  "displayName",
  "userName",
  "active",
  "name",
  "name.givenName",
  "emails",
  'emails[type eq "work"].value',
  'emails[type eq "home"]',
  "emails.type",
  "phoneNumbers",
  "externalId",
  ENTERPRISE,
  `${ENTERPRISE}:department`,
  `${ENTERPRISE}:manager`,
  "id",
  "meta.created",
  "password",
  "groups",
  "unknownAttr",
  "emails[",
);
const operation: fc.Arbitrary<PatchRequestOperation> = fc
  .record({
    op: fc.constantFrom("add", "replace", "remove", "Add", "Replace", "Remove", "move"),
    path: patchPath,
    value: fc.oneof(anyValue, fc.dictionary(fc.constantFrom("title", "name.givenName", "active", "urn:x"), anyValue)),
  })
  .map(({ path, ...rest }) => (path === undefined ? rest : { ...rest, path }));

const storedUser = (): Json => ({
  schemas: [CORE, ENTERPRISE],
  userName: "ada@acme.test",
  active: true,
  name: { givenName: "Ada", familyName: "Lovelace" },
  emails: [{ value: "ada@acme.test", type: "work", primary: true }],
  [ENTERPRISE]: { department: "Engines" },
});

describe("PATCH sequences", () => {
  it("leave a schema-valid document or fail with a 400, never touching the stored one", () => {
    fc.assert(
      fc.property(fc.array(operation, { minLength: 1, maxLength: 6 }), (operations) => {
        const stored = storedUser();
        let next: Json | undefined;
        throwsOnlyScimError(() => {
          const parsed = parsePatchOperations(operations, userResourceType);
          next = normalizeResource(applyPatch(stored, parsed, userResourceType), userResourceType);
        }, SCIM_TYPES);
        expect(stored).toEqual(storedUser());
        // What would be stored is valid: normalising it again changes nothing.
        if (next) expect(normalizeResource(next, userResourceType)).toEqual(next);
      }),
      { numRuns: RUNS.patchSequences },
    );
  });
});

describe("projection", () => {
  // Requested names, each with the keys it stands for in a response.
  const names: [string, string[]][] = [
    ["userName", ["userName"]],
    ["name", ["name"]],
    ["name.givenName", ["name", "givenName"]],
    ["emails", ["emails"]],
    ["emails.value", ["emails", "value"]],
    ["emails.type", ["emails", "type"]],
    ["title", ["title"]],
    ["active", ["active"]],
    ["groups", ["groups"]],
    ["groups.display", ["groups", "display"]],
    ["meta", ["meta"]],
    ["meta.created", ["meta", "created"]],
    ["externalId", ["externalId"]],
    [ENTERPRISE, [ENTERPRISE]],
    [`${ENTERPRISE}:department`, [ENTERPRISE, "department"]],
    [`${ENTERPRISE}:manager.value`, [ENTERPRISE, "manager", "value"]],
    [`${CORE}:title`, ["title"]],
    ["id", ["id"]],
    ["schemas", ["schemas"]],
    ["unknown", []],
  ];
  const ALWAYS = new Set(["id", "schemas"]);
  const randomCase = (name: string, flips: boolean[]) =>
    [...name].map((char, i) => (flips[i % flips.length] ? char.toUpperCase() : char.toLowerCase())).join("");
  const requested = fc
    .array(fc.tuple(fc.constantFrom(...names), fc.array(fc.boolean(), { minLength: 1, maxLength: 8 })), {
      minLength: 1,
      maxLength: 5,
    })
    .map((picked) => picked.map(([[name, keys], flips]) => ({ name: randomCase(name, flips), keys })));

  const resource = fc
    .record(
      {
        title: text,
        name: fc.record({ givenName: text, familyName: text }, { requiredKeys: [] }),
        emails: fc.array(fc.record({ value: text, type: text, primary: fc.boolean() }, { requiredKeys: [] }), {
          maxLength: 3,
        }),
        groups: fc.array(fc.record({ value: text, display: text }), { maxLength: 2 }),
        externalId: text,
        [ENTERPRISE]: fc.record({ department: text, manager: fc.record({ value: text }) }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    )
    .map((attributes) => ({
      schemas: [CORE],
      id: "u1",
      userName: "ada@acme.test",
      active: true,
      password: "never-returned",
      ...attributes,
      meta: { resourceType: "User", created: "2026-01-01T00:00:00.000Z", version: 'W/"1"' },
    }));

  /** Every key path of a value: lists are looked through, as projection does. */
  function keyPaths(value: unknown, prefix: string[] = []): string[][] {
    if (Array.isArray(value)) return value.flatMap((element) => keyPaths(element, prefix));
    if (typeof value !== "object" || value === null) return [prefix];
    return Object.entries(value).flatMap(([key, inner]) => [[...prefix, key], ...keyPaths(inner, [...prefix, key])]);
  }
  const startsWith = (path: string[], prefix: string[]) =>
    prefix.length <= path.length && prefix.every((key, i) => path[i] === key);

  it("never returns an excluded attribute, nor the password", () => {
    fc.assert(
      fc.property(resource, requested, (input, excluded) => {
        const output = projectResource(input, { excludedAttributes: excluded.map((e) => e.name) }, userResourceType);
        const paths = keyPaths(output);
        for (const { keys } of excluded) {
          if (keys.length === 0 || ALWAYS.has(keys[0])) continue;
          expect(paths.some((path) => startsWith(path, keys))).toBe(false);
        }
        expect(paths.some((path) => path[0] === "password")).toBe(false);
        expect(output.id).toBe("u1");
        expect(output.schemas).toEqual([CORE]);
      }),
      { numRuns: RUNS.projection },
    );
  });

  it("returns only the requested attributes (and id, schemas), never the password", () => {
    fc.assert(
      fc.property(resource, requested, (input, wanted) => {
        const output = projectResource(input, { attributes: wanted.map((w) => w.name) }, userResourceType);
        for (const path of keyPaths(output)) {
          if (ALWAYS.has(path[0])) continue;
          const allowed = wanted.some(
            ({ keys }) => keys.length > 0 && (startsWith(path, keys) || startsWith(keys, path)),
          );
          expect(allowed, path.join(".")).toBe(true);
        }
        expect(output).not.toHaveProperty("password");
      }),
      { numRuns: RUNS.projection },
    );
  });
});
