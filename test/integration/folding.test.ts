import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { foldCase } from "../../src/scim/folding";
import { createGroup, createTenant, createUser, GROUP_SCHEMA, scim, type Tenant } from "../helpers";

/** Every code point but the surrogates, in chunks a statement binds comfortably. */
function* codePointChunks(size = 8_192): Generator<string> {
  let chunk: string[] = [];
  for (let code = 1; code <= 0x10ffff; code++) {
    if (code >= 0xd800 && code <= 0xdfff) continue;
    chunk.push(String.fromCodePoint(code));
    if (chunk.length === size) {
      yield chunk.join("");
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk.join("");
}

describe("the one case folding", () => {
  it("is D1's lower(), character for character, over every code point", async () => {
    const statement = env.DB_SHARD_0.prepare("SELECT lower(?) AS folded");
    const chunks = [...codePointChunks()];
    for (let i = 0; i < chunks.length; i += 50) {
      const batch = chunks.slice(i, i + 50);
      const results = await env.DB_SHARD_0.batch<{ folded: string }>(batch.map((chunk) => statement.bind(chunk)));
      results.forEach((result, j) => {
        const folded = result.results[0].folded;
        if (folded !== foldCase(batch[j])) {
          const at = [...folded].findIndex((c, k) => c !== [...foldCase(batch[j])][k]);
          throw new Error(`foldCase and lower() differ at U+${[...batch[j]][at].codePointAt(0)!.toString(16)}`);
        }
      });
    }
    expect(foldCase("ÉMILE Zoë ÆØÅ İ ß Σ")).toBe("Émile zoë ÆØÅ İ ß Σ");
  });
});

const users = async (tenant: Tenant, filter: string) =>
  ((await (await scim(tenant, `/Users?filter=${encodeURIComponent(filter)}`)).json()) as any).Resources.map(
    (r: any) => r.userName,
  );
const groups = async (tenant: Tenant, filter: string) =>
  ((await (await scim(tenant, `/Groups?filter=${encodeURIComponent(filter)}`)).json()) as any).Resources.map(
    (r: any) => r.displayName,
  );

describe("case-insensitive rules: one folding for uniqueness, filters and sorting", () => {
  it("folds ASCII letters only, in userName and email as in the email mirror, and in team names", async () => {
    const tenant = await createTenant();
    await createUser(tenant, "ÉMILE@Acme.test", {
      emails: [{ value: "ÉMILE@Acme.test", type: "work", primary: true }],
    });
    // ASCII letters fold everywhere; É and é stay different letters, in every attribute alike.
    expect(await users(tenant, 'userName eq "Émile@ACME.TEST"')).toEqual(["ÉMILE@Acme.test"]);
    expect(await users(tenant, 'emails[type eq "work"].value eq "Émile@ACME.TEST"')).toEqual(["ÉMILE@Acme.test"]);
    expect(await users(tenant, 'userName eq "émile@acme.test"')).toEqual([]);
    expect(await users(tenant, 'emails[type eq "work"].value eq "émile@acme.test"')).toEqual([]);
    // So "émile@acme.test" is another member's userName and email, not a duplicate.
    const other = await scim(tenant, "/Users", {
      method: "POST",
      json: {
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
        userName: "émile@acme.test",
        emails: [{ value: "émile@acme.test", primary: true }],
      },
    });
    expect(other.status).toBe(201);
    const duplicate = await scim(tenant, "/Users", {
      method: "POST",
      json: { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "éMILE@acme.TEST" },
    });
    expect(duplicate.status).toBe(409);
    expect(await users(tenant, 'userName sw "É"')).toEqual(["ÉMILE@Acme.test"]);
    await createUser(tenant, "Zed@acme.test");
    await createUser(tenant, "alice@acme.test");
    const sorted = (await (await scim(tenant, "/Users?sortBy=userName")).json()) as any;
    expect(sorted.Resources.map((r: any) => r.userName)).toEqual([
      "alice@acme.test",
      "Zed@acme.test",
      "ÉMILE@Acme.test", // U+00C9 before U+00E9: folded alike, É would sort with é
      "émile@acme.test",
    ]);

    await createGroup(tenant, "Équipe");
    expect(
      (await scim(tenant, "/Groups", { method: "POST", json: { schemas: [GROUP_SCHEMA], displayName: "ÉQUIPE" } }))
        .status,
    ).toBe(409);
    expect(
      (await scim(tenant, "/Groups", { method: "POST", json: { schemas: [GROUP_SCHEMA], displayName: "équipe" } }))
        .status,
    ).toBe(201);
    expect(await groups(tenant, 'displayName eq "ÉQUIPE"')).toEqual(["Équipe"]);
  });
});
