import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { beforeAll, describe, expect, it } from "vitest";
import { ScimError } from "../../src/scim/errors";
import { compileFilter } from "../../src/scim/filter/compile";
import { parseFilter } from "../../src/scim/filter/parse";
import type { FilterTarget } from "../../src/scim/filter/target";
import { userResourceType } from "../../src/scim/schemas/resource-type";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const db = drizzle(env.DB);

// A throw-away table shaped like the storage contract: folded columns, an email side table, a JSON document.
const target: FilterTarget = {
  resourceType: userResourceType,
  columns: {
    id: sql`f.id`,
    username: sql`f.user_name`,
    externalid: sql`f.external_id`,
    active: sql`f.active`,
    "meta.created": sql`f.created_at`,
  },
  sideTables: {
    emails: {
      columns: { value: sql`e.value_lower`, type: sql`e.type_lower` },
      match: (condition) => sql`f.id IN (SELECT e.member_id FROM filter_fixture_emails e WHERE ${condition})`,
    },
  },
  document: sql`f.doc`,
};

const users = [
  { id: "1", userName: "alice@acme.test", externalId: "Ext-1", active: 1, created: "2026-01-01T00:00:00.000Z",
    doc: { title: "Engineer", name: { givenName: "Alice" }, emails: [{ value: "alice@acme.test", type: "work" }], phoneNumbers: [{ value: "+1 555", type: "work" }], [ENTERPRISE]: { department: "R&D" } } },
  { id: "2", userName: "bob@acme.test", externalId: "ext-2", active: 0, created: "2026-02-01T00:00:00.000Z",
    doc: { title: "50%_off", name: { givenName: "Bob" }, emails: [{ value: "bob@home.test", type: "home" }, { value: "Bob.Work@acme.test", type: "work" }] } },
  { id: "3", userName: "carol", externalId: null, active: 1, created: "2026-03-01T00:00:00.000Z",
    doc: { name: { givenName: "Ćarol" }, emails: [] } },
];

beforeAll(async () => {
  await env.DB.batch([
    env.DB.prepare("CREATE TABLE IF NOT EXISTS filter_fixture (id TEXT PRIMARY KEY, user_name TEXT, external_id TEXT, active INTEGER, created_at TEXT, doc TEXT)"),
    env.DB.prepare("CREATE TABLE IF NOT EXISTS filter_fixture_emails (member_id TEXT, value_lower TEXT, type_lower TEXT)"),
    env.DB.prepare("DELETE FROM filter_fixture"),
    env.DB.prepare("DELETE FROM filter_fixture_emails"),
    ...users.map((u) =>
      env.DB.prepare("INSERT INTO filter_fixture VALUES (?, ?, ?, ?, ?, ?)").bind(u.id, u.userName, u.externalId, u.active, u.created, JSON.stringify(u.doc)),
    ),
    ...users.flatMap((u) =>
      u.doc.emails.map((e) => env.DB.prepare("INSERT INTO filter_fixture_emails VALUES (?, ?, ?)").bind(u.id, e.value.toLowerCase(), e.type)),
    ),
  ]);
});

async function ids(filter: string): Promise<string[]> {
  const rows = await db.all<{ id: string }>(sql`SELECT f.id FROM filter_fixture f WHERE ${compileFilter(filter, target)} ORDER BY f.id`);
  return rows.map((r) => r.id);
}

function expectInvalid(filter: string) {
  try {
    compileFilter(filter, target);
  } catch (error) {
    expect(error, filter).toBeInstanceOf(ScimError);
    expect((error as ScimError).status).toBe(400);
    expect((error as ScimError).scimType).toBe("invalidFilter");
    return;
  }
  throw new Error(`expected invalidFilter for ${filter}`);
}

describe("compileFilter", () => {
  it("binds values as parameters and uses the column for indexed attributes", () => {
    const query = new SQLiteAsyncDialect().sqlToQuery(compileFilter('userName eq "Alice@ACME.test"', target));
    expect(query.sql).toBe("(f.user_name = ?)");
    expect(query.params).toEqual(["alice@acme.test"]);
  });

  it("compares case-insensitively except for caseExact attributes, and never partially for eq", async () => {
    expect(await ids('userName eq "ALICE@acme.test"')).toEqual(["1"]);
    expect(await ids('USERNAME Eq "alice@acme.test"')).toEqual(["1"]);
    expect(await ids('userName eq "alice"')).toEqual([]);
    expect(await ids('externalId eq "Ext-1"')).toEqual(["1"]);
    expect(await ids('externalId eq "ext-1"')).toEqual([]);
    expect(await ids('title eq "ENGINEER"')).toEqual(["1"]);
    expect(await ids(`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bob@acme.test"`)).toEqual(["2"]);
  });

  it("supports every comparison operator", async () => {
    expect(await ids('userName ne "alice@acme.test"')).toEqual(["2", "3"]);
    expect(await ids('userName co "ACME"')).toEqual(["1", "2"]);
    expect(await ids('userName sw "car"')).toEqual(["3"]);
    expect(await ids('userName ew ".test"')).toEqual(["1", "2"]);
    expect(await ids('externalId sw "ext"')).toEqual(["2"]);
    expect(await ids('externalId co "xt-"')).toEqual(["1", "2"]);
    expect(await ids('externalId ew "-2"')).toEqual(["2"]);
    expect(await ids('userName gt "bob@acme.test"')).toEqual(["3"]);
    expect(await ids('userName ge "bob@acme.test"')).toEqual(["2", "3"]);
    expect(await ids('userName lt "bob@acme.test"')).toEqual(["1"]);
    expect(await ids('userName le "bob@acme.test"')).toEqual(["1", "2"]);
    expect(await ids("title pr")).toEqual(["1", "2"]);
    expect(await ids("externalId pr")).toEqual(["1", "2"]);
    expect(await ids("active eq true")).toEqual(["1", "3"]);
    expect(await ids("active eq false")).toEqual(["2"]);
  });

  it("compares dateTimes after normalising the literal", async () => {
    expect(await ids('meta.created gt "2026-01-15T00:00:00Z"')).toEqual(["2", "3"]);
    expect(await ids('meta.created le "2026-02-01T01:00:00+01:00"')).toEqual(["1", "2"]);
  });

  it("treats LIKE metacharacters in values literally", async () => {
    expect(await ids('title co "50%_"')).toEqual(["2"]);
    expect(await ids('title co "%"')).toEqual(["2"]);
    expect(await ids('title co "_"')).toEqual(["2"]);
  });

  it("combines and, or, not with the usual precedence; not and ne include absent attributes", async () => {
    expect(await ids('userName sw "a" or userName sw "b" and active eq true')).toEqual(["1"]);
    expect(await ids('(userName sw "a" or userName sw "b") and active eq false')).toEqual(["2"]);
    expect(await ids('not (title eq "engineer")')).toEqual(["2", "3"]);
    expect(await ids('title ne "engineer"')).toEqual(["2", "3"]);
    expect(await ids("not (externalId pr)")).toEqual(["3"]);
  });

  it("filters emails through the side table, including Entra's value path with a sub-attribute", async () => {
    expect(await ids('emails[type eq "work"].value eq "bob.work@ACME.test"')).toEqual(["2"]);
    expect(await ids('emails[type eq "work"].value eq "bob@home.test"')).toEqual([]);
    expect(await ids('emails[type eq "work" and value co "@acme"]')).toEqual(["1", "2"]);
    expect(await ids('emails.value eq "bob@home.test"')).toEqual(["2"]);
    expect(await ids('emails eq "alice@acme.test"')).toEqual(["1"]);
    expect(await ids("emails pr")).toEqual(["1", "2"]);
    const query = new SQLiteAsyncDialect().sqlToQuery(compileFilter('emails[type eq "work"].value eq "x"', target));
    expect(query.sql).toContain("filter_fixture_emails");
  });

  it("falls back to the JSON document for attributes without a column", async () => {
    expect(await ids('name.givenName eq "alice"')).toEqual(["1"]);
    expect(await ids(`${ENTERPRISE}:department eq "r&d"`)).toEqual(["1"]);
    expect(await ids('phoneNumbers[type eq "work" and value sw "+1"]')).toEqual(["1"]);
    expect(await ids("name pr")).toEqual(["1", "2", "3"]);
    expect(await ids('title eq null')).toEqual(["3"]);
  });

  it("reads values with spaces and escaped quotes", async () => {
    expect(await ids('title eq "a \\"quoted\\" title"')).toEqual([]);
    expect(parseFilter('displayName eq "Sales and Marketing"')).toEqual({ op: "eq", attrPath: "displayName", compValue: "Sales and Marketing" });
  });

  it("refuses malformed, unknown and unfilterable filters with invalidFilter", () => {
    for (const filter of [
      "userName eq",
      'userName zz "a"',
      '(userName eq "a"',
      'nope eq "a"',
      'password eq "x"',
      "active gt true",
      'active eq "maybe"',
      'userName co 5',
      'meta.created gt "not a date"',
      'name eq "x"',
      'meta.resourceType eq "User"',
      'groups[value eq "x"]',
      'emails[type eq "work"].value',
      'userName[value eq "x"]',
      'emails[nosuch eq "x"]',
      "x".repeat(5000),
      `${"not (".repeat(40)}userName eq "a"${")".repeat(40)}`,
    ]) {
      expectInvalid(filter);
    }
  });
});
