import { env } from "cloudflare:workers";
import { type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { integer, SQLiteAsyncDialect, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { beforeAll, describe, expect, it } from "vitest";
import { compileFilter } from "../../src/db/filter/compile";
import type { FilterTarget } from "../../src/db/filter/target";
import { ScimError } from "../../src/scim/errors";
import { parseFilter } from "../../src/scim/filter/parse";
import { groupResourceType, userResourceType } from "../../src/scim/schemas/resource-type";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const db = drizzle(env.DB_SHARD_0);
const render = (condition: SQL) => {
  const { sql: text, params } = new SQLiteAsyncDialect().sqlToQuery(condition);
  return { sql: text, params };
};

// Throw-away tables shaped like the storage contract: folded columns, an email side table, a JSON document.
const fixture = sqliteTable("filter_fixture", {
  id: text("id").primaryKey(),
  userName: text("user_name"),
  externalId: text("external_id"),
  active: integer("active"),
  createdAt: text("created_at"),
  doc: text("doc"),
});
const fixtureEmails = sqliteTable("filter_fixture_emails", {
  userId: text("user_id"),
  orgId: text("org_id"),
  valueLower: text("value_lower"),
  typeLower: text("type_lower"),
  primary: integer("primary"),
});

const target: FilterTarget = {
  resourceType: userResourceType,
  columns: {
    id: sql`${fixture.id}`,
    username: sql`${fixture.userName}`,
    externalid: sql`${fixture.externalId}`,
    active: sql`${fixture.active}`,
    "meta.created": sql`${fixture.createdAt}`,
  },
  sideTables: {
    emails: {
      columns: {
        value: sql`${fixtureEmails.valueLower}`,
        type: sql`${fixtureEmails.typeLower}`,
        primary: sql`${fixtureEmails.primary}`,
      },
      match: (condition) =>
        sql`${fixture.id} IN (SELECT ${fixtureEmails.userId} FROM ${fixtureEmails}
            WHERE ${fixtureEmails.orgId} = ${"org-1"} AND ${condition})`,
    },
  },
  document: sql`${fixture.doc}`,
};

type Email = { value: string; type?: string; primary?: boolean; display?: string };
interface FixtureUser {
  id: string;
  userName: string;
  externalId: string | null;
  active: number;
  created: string;
  doc: Record<string, unknown> & { emails?: Email[] };
}
const users: FixtureUser[] = [
  {
    id: "1",
    userName: "alice@acme.test",
    externalId: "Ext-1",
    active: 1,
    created: "2026-01-01T00:00:00.000Z",
    doc: {
      title: "Engineer",
      displayName: "Alice Smith",
      name: { givenName: "Alice", familyName: "Smith" },
      emails: [{ value: "alice@acme.test", type: "work", primary: true, display: "Alice (work)" }],
      [ENTERPRISE]: { department: "R&D", employeeNumber: "42" },
    },
  },
  {
    id: "2",
    userName: "bob@acme.test",
    externalId: "ext-2",
    active: 0,
    created: "2026-02-01T00:00:00.000Z",
    doc: {
      title: "50%_off",
      name: { givenName: "Bob" },
      emails: [
        { value: "bob@home.test", type: "home" },
        { value: "Bob.Work@ACME.test", type: "work", primary: false },
      ],
      phoneNumbers: [
        { value: "+1 555 0100", type: "work" },
        { value: "+44 20 0000", type: "home" },
      ],
    },
  },
  {
    id: "3",
    userName: "carol",
    externalId: null,
    active: 1,
    created: "2026-03-01T00:00:00.000Z",
    doc: { title: "", name: { givenName: "Ćarol" }, emails: [] },
  },
  {
    id: "4",
    userName: "dave smith",
    externalId: "EXT-1",
    active: 1,
    created: "2026-03-15T12:30:00.000Z",
    doc: {
      title: 'Say "hi"',
      displayName: "DOMAIN\\dave",
      name: { givenName: "Dave" },
      emails: [{ value: "DAVE@Acme.test", type: "Work" }],
      [ENTERPRISE]: { department: "Sales and Marketing" },
    },
  },
  { id: "5", userName: "erin@acme.test", externalId: "x_1%", active: 1, created: "2026-04-01T00:00:00.000Z", doc: {} },
];

beforeAll(async () => {
  await env.DB_SHARD_0.batch([
    env.DB_SHARD_0.prepare(
      "CREATE TABLE IF NOT EXISTS filter_fixture (id TEXT PRIMARY KEY, user_name TEXT, external_id TEXT, active INTEGER, created_at TEXT, doc TEXT)",
    ),
    env.DB_SHARD_0.prepare(
      'CREATE TABLE IF NOT EXISTS filter_fixture_emails (user_id TEXT, org_id TEXT, value_lower TEXT, type_lower TEXT, "primary" INTEGER)',
    ),
    env.DB_SHARD_0.prepare("DELETE FROM filter_fixture"),
    env.DB_SHARD_0.prepare("DELETE FROM filter_fixture_emails"),
    ...users.map((u) =>
      env.DB_SHARD_0.prepare("INSERT INTO filter_fixture VALUES (?, ?, ?, ?, ?, ?)")
        // user_name is not caseExact, so the column holds it lower-cased, as the storage contract says.
        .bind(u.id, u.userName.toLowerCase(), u.externalId, u.active, u.created, JSON.stringify(u.doc)),
    ),
    ...users.flatMap((u) =>
      (u.doc.emails ?? []).map((e) =>
        env.DB_SHARD_0.prepare("INSERT INTO filter_fixture_emails VALUES (?, 'org-1', ?, ?, ?)").bind(
          u.id,
          e.value.toLowerCase(),
          e.type?.toLowerCase() ?? null,
          e.primary === undefined ? null : +e.primary,
        ),
      ),
    ),
    // Another organization's email row: the side table's own condition must keep it out.
    env.DB_SHARD_0.prepare("INSERT INTO filter_fixture_emails VALUES ('3', 'org-2', 'carol@other.test', 'work', 1)"),
  ]);
});

async function ids(filter: string): Promise<string[]> {
  const rows = await db.all<{ id: string }>(
    sql`SELECT ${fixture.id} AS id FROM ${fixture} WHERE ${compileFilter(filter, target)} ORDER BY ${fixture.id}`,
  );
  return rows.map((row) => row.id);
}

async function expectIds(cases: [filter: string, ids: string[]][]) {
  for (const [filter, expected] of cases) expect(await ids(filter), filter).toEqual(expected);
}

function invalidFilterError(filter: string, filterTarget: FilterTarget = target): ScimError {
  try {
    compileFilter(filter, filterTarget);
  } catch (error) {
    expect(error, filter).toBeInstanceOf(ScimError);
    const scimError = error as ScimError;
    expect({ status: scimError.status, scimType: scimError.scimType }, filter).toEqual({
      status: 400,
      scimType: "invalidFilter",
    });
    return scimError;
  }
  throw new Error(`expected invalidFilter for ${filter}`);
}

describe("compileFilter: SQL", () => {
  it("uses the folded column for indexed attributes and binds the lower-cased literal", () => {
    expect(render(compileFilter('userName eq "Alice@ACME.test"', target))).toEqual({
      sql: '("filter_fixture"."user_name" = ?)',
      params: ["alice@acme.test"],
    });
    expect(render(compileFilter('externalId eq "Ext-1"', target)).params).toEqual(["Ext-1"]);
  });

  it("falls back to json_extract with canonical names, the value folded in SQL and the literal bound folded", () => {
    expect(render(compileFilter('TITLE eq "Engineer"', target))).toEqual({
      sql: `(lower(json_extract("filter_fixture"."doc", '$.title')) = ?)`,
      params: ["engineer"],
    });
    expect(render(compileFilter(`${ENTERPRISE.toLowerCase()}:DEPARTMENT pr`, target)).sql).toContain(
      `json_extract("filter_fixture"."doc", '$."${ENTERPRISE}".department')`,
    );
    expect(render(compileFilter('name.givenname sw "A"', target)).sql).toContain(`'$.name.givenName'`);
  });

  it("matches LIKE's metacharacters as plain text (by position, never LIKE) and never puts literals in the SQL text", () => {
    expect(render(compileFilter('title co "50%_\\\\"', target))).toEqual({
      sql: `(instr(lower(json_extract("filter_fixture"."doc", '$.title')), ?) > 0)`,
      params: ["50%_\\"],
    });
    const hostile = `userName eq "x' OR '1'='1" or title co "'); DROP TABLE filter_fixture; --"`;
    const injected = render(compileFilter(hostile, target));
    expect(injected.sql).not.toContain("'1'");
    expect(injected.sql).not.toContain("DROP");
    expect(injected.params).toEqual(["x' or '1'='1", "'); drop table filter_fixture; --"]);
  });

  it("uses instr/substr rather than LIKE for caseExact substrings", () => {
    expect(render(compileFilter('externalId sw "Ab"', target))).toEqual({
      sql: '(instr("filter_fixture"."external_id", ?) = 1)',
      params: ["Ab"],
    });
  });

  it("goes through the side table when it has every sub-attribute the filter reads, else through json_each", () => {
    const side = render(compileFilter('emails[type eq "work"].value eq "X@Y.test"', target));
    expect(side.sql).toContain('"filter_fixture_emails"');
    expect(side.sql).not.toContain("json_each");
    expect(side.params).toEqual(["org-1", "work", "x@y.test"]);
    const json = render(compileFilter('emails[type eq "work" and display eq "x"]', target));
    expect(json.sql).toContain(`json_each("filter_fixture"."doc", '$.emails') AS scim_element`);
    expect(json.sql).not.toContain("filter_fixture_emails");
  });

  it("negates with coalesce so that NULL (absent) counts as false before NOT", () => {
    expect(render(compileFilter('not (title eq "x")', target)).sql).toBe(
      `(NOT coalesce((lower(json_extract("filter_fixture"."doc", '$.title')) = ?), 0))`,
    );
  });
});

describe("compileFilter on D1", () => {
  it("compares userName case-insensitively and externalId case-exactly, and eq never matches partially", async () => {
    await expectIds([
      ['userName eq "ALICE@ACME.TEST"', ["1"]],
      ['USERNAME Eq "alice@acme.test"', ["1"]],
      ['userName eq "alice"', []],
      ['userName eq "alice@acme.tes"', []],
      ['userName eq "lice@acme.test"', []],
      ['externalId eq "Ext-1"', ["1"]],
      ['externalId eq "EXT-1"', ["4"]],
      ['externalId eq "ext-1"', []],
      ['id eq "2"', ["2"]],
      // Entra's connection test: a random userName answers an empty list.
      ['userName eq "6f1c4b8e-2d7a-4c1e-9b3f-0a5d8e7c6b21"', []],
      ['userName eq "bob@acme.test" and externalId eq "ext-2"', ["2"]],
    ]);
  });

  it("supports every operator on strings", async () => {
    await expectIds([
      ['userName ne "alice@acme.test"', ["2", "3", "4", "5"]],
      ['userName co "ACME"', ["1", "2", "5"]],
      ['userName sw "CAR"', ["3"]],
      ['userName ew ".TEST"', ["1", "2", "5"]],
      ['userName gt "carol"', ["4", "5"]],
      ['userName ge "carol"', ["3", "4", "5"]],
      ['userName lt "bob@acme.test"', ["1"]],
      ['userName le "bob@acme.test"', ["1", "2"]],
      ['externalId sw "Ext"', ["1"]],
      ['externalId co "XT"', ["4"]],
      ['externalId ew "-1"', ["1", "4"]],
      ['externalId ew ""', ["1", "2", "4", "5"]],
      ['externalId gt "a"', ["2", "5"]],
      ["userName pr", ["1", "2", "3", "4", "5"]],
    ]);
  });

  it("treats LIKE metacharacters and backslashes in literals as plain characters", async () => {
    await expectIds([
      ['title co "50%_"', ["2"]],
      ['title co "%"', ["2"]],
      ['title sw "_"', []],
      ['title co "0%_o"', ["2"]],
      ['externalId co "_"', ["5"]],
      ['externalId ew "%"', ["5"]],
      ['displayName co "\\\\"', ["4"]],
      ['displayName eq "domain\\\\DAVE"', ["4"]],
    ]);
  });

  it("reads values with spaces, quotes and JSON escapes, from either query-string encoding", async () => {
    for (const query of ["filter=userName%20eq%20%22dave%20smith%22", "filter=userName+eq+%22dave+smith%22"]) {
      const filter = new URLSearchParams(query).get("filter")!;
      expect(filter).toBe('userName eq "dave smith"');
      expect(await ids(filter)).toEqual(["4"]);
    }
    await expectIds([
      ['title eq "say \\"HI\\""', ["4"]],
      [`${ENTERPRISE}:department eq "Sales and Marketing"`, ["4"]],
      ['name.givenName eq "\\u0106arol"', ["3"]],
      ['title eq "x].value eq \\"y"', []],
      ['emails[value eq "a]b"].type eq "work"', []],
    ]);
  });

  it("compares booleans as 0/1, accepting literals in any case and as strings", async () => {
    await expectIds([
      ["active eq true", ["1", "3", "4", "5"]],
      ["active eq false", ["2"]],
      ["active Eq FALSE", ["2"]],
      ['active eq "True"', ["1", "3", "4", "5"]],
      ["active ne true", ["2"]],
      ["emails[primary eq true]", ["1"]],
      ["emails[primary eq false]", ["2"]],
    ]);
  });

  it("compares dateTimes after normalising the literal to ISO UTC", async () => {
    await expectIds([
      ['meta.created eq "2026-01-01T00:00:00Z"', ["1"]],
      ['meta.created gt "2026-01-15T00:00:00Z"', ["2", "3", "4", "5"]],
      ['meta.created ge "2026-03-15T13:30:00+01:00"', ["4", "5"]],
      ['meta.created lt "2026-02-01T00:00:00.000Z"', ["1"]],
      ['meta.created le "2026-02-01T01:00:00+01:00"', ["1", "2"]],
    ]);
  });

  it("gives and precedence over or, honours parentheses, and lets not include absent attributes", async () => {
    await expectIds([
      ['userName sw "a" or userName sw "b" and active eq true', ["1"]],
      ['userName sw "b" and active eq true or userName sw "a"', ["1"]],
      ['(userName sw "a" or userName sw "b") and active eq false', ["2"]],
      ['userName sw "a" OR userName sw "b" AND active eq false', ["1", "2"]],
      ['not (title eq "engineer")', ["2", "3", "4", "5"]],
      ['not (title eq "engineer") and not (userName sw "d")', ["2", "3", "5"]],
      ['NOT (title eq "engineer" or externalId pr)', ["3"]],
      ['not (not (title co "I"))', ["1", "4"]],
      ['not (emails[type eq "work"])', ["3", "5"]],
    ]);
  });

  it("makes ne the exact complement of eq, absent attributes included", async () => {
    await expectIds([
      ['title ne "engineer"', ["2", "3", "4", "5"]],
      ['externalId ne "Ext-1"', ["2", "3", "4", "5"]],
      ['emails.value ne "alice@acme.test"', ["2", "3", "4", "5"]],
      ['emails[type ne "work"]', ["2"]],
    ]);
  });

  it("implements pr and null: present is not null and not empty; multi-valued, at least one element", async () => {
    await expectIds([
      ["title pr", ["1", "2", "4"]],
      ["title eq null", ["3", "5"]],
      ["title ne null", ["1", "2", "4"]],
      ["externalId pr", ["1", "2", "4", "5"]],
      ["not (externalId pr)", ["3"]],
      ["emails pr", ["1", "2", "4"]],
      ["emails eq null", ["3", "5"]],
      ["phoneNumbers pr", ["2"]],
      ["name pr", ["1", "2", "3", "4"]],
      ["name.familyName pr", ["1"]],
      [`${ENTERPRISE}:department pr`, ["1", "4"]],
    ]);
  });

  it("filters emails through the side table, Entra's value path with a sub-attribute included", async () => {
    await expectIds([
      ['emails[type eq "work"].value eq "bob.work@ACME.test"', ["2"]],
      // Both conditions must hold for the same element: bob's home address is not his work address.
      ['emails[type eq "work"].value eq "bob@home.test"', []],
      ['emails[type eq "work"].value eq "dave@acme.test"', ["4"]],
      ['emails[TYPE EQ "WORK"].VALUE pr', ["1", "2", "4"]],
      ['emails[type eq "work" and value co "@acme"]', ["1", "2", "4"]],
      ['emails[type eq "home" or primary eq true]', ["1", "2"]],
      ['emails[not (type eq "work")]', ["2"]],
      ['emails.value eq "BOB@home.test"', ["2"]],
      ['emails eq "alice@acme.test"', ["1"]],
      ['emails co "@acme"', ["1", "2", "4"]],
      ['emails.type eq "home"', ["2"]],
      ['emails[type eq "work"] and userName sw "b"', ["2"]],
      [`urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value eq "alice@acme.test"`, ["1"]],
      // carol's only email row belongs to another organization.
      ['emails[value eq "carol@other.test"]', []],
    ]);
  });

  it("falls back to the JSON document for attributes without a column", async () => {
    await expectIds([
      ['title eq "ENGINEER"', ["1"]],
      ['name.givenName eq "alice"', ["1"]],
      ['name.givenName eq "Ćarol"', ["3"]],
      [`${ENTERPRISE}:department eq "r&d"`, ["1"]],
      [`urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:DEPARTMENT sw "sales"`, ["4"]],
      [`${ENTERPRISE}:employeeNumber eq "42"`, ["1"]],
      ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bob@acme.test"', ["2"]],
      ['urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "BOB"', ["2"]],
      ['phoneNumbers[type eq "work" and value sw "+1"]', ["2"]],
      ['phoneNumbers[type eq "home" and value sw "+1"]', []],
      ['phoneNumbers.value co "555"', ["2"]],
      ['emails[type eq "work" and display co "(WORK)"]', ["1"]],
    ]);
  });

  it("runs the largest filters it accepts within D1's limits", async () => {
    const heavy = ['emails.value ew "zz"', 'externalId ew "zz"', 'phoneNumbers[value ew "zz"]', 'title ne "zz"'];
    const wide = Array.from({ length: 24 }, (_, i) => heavy[i % heavy.length]).join(" or ");
    expect(await ids(wide)).toEqual(["1", "2", "3", "4", "5"]);
    // 13 nots, the value path and the not inside it: 16 levels, the most accepted.
    const deep = `${"not (".repeat(13)}phoneNumbers[not (value ew "zz")]${")".repeat(13)}`;
    expect(await ids(deep)).toEqual(["1", "3", "4", "5"]);
    invalidFilterError(`${wide} or userName pr`);
    invalidFilterError(`not (${deep})`);
    invalidFilterError(`userName eq "${"x".repeat(4096)}"`);
  });
});

describe("compileFilter: invalidFilter", () => {
  it.each([
    [""],
    ["userName eq"],
    ['userName xx "a"'],
    ['userName eq "a" userName eq "b"'],
    ['userName eq "a" and'],
    ['(userName eq "a"'],
    ['userName eq "a")'],
    ['userName eq "unterminated'],
    ['userName eq "bad \\x escape"'],
    ["userName eq bare"],
    ['emails[type eq "work"'],
    ['emails[type eq "work"].value'],
    ['emails[type eq "work" and phoneNumbers[type eq "x"]]'],
  ])("refuses malformed %s", (filter) => {
    invalidFilterError(filter);
  });

  it.each([
    ['foo eq "a"', "foo"],
    ['name.nosuch eq "a"', "name.nosuch"],
    ['emails[nosuch eq "x"]', "nosuch"],
    ['password eq "x"', "password"],
    ['name eq "x"', "name"],
    ['meta.resourceType eq "User"', "meta.resourceType"],
    ["meta.location pr", "meta.location"],
    ['groups[value eq "x"]', "groups"],
    ['groups.value eq "x"', "groups.value"],
    [`${ENTERPRISE}:manager.displayName eq "x"`, "manager.displayName"],
    ['userName[value eq "x"]', "userName"],
    ["active gt true", "active"],
    ['active co "t"', "active"],
    ['active eq "maybe"', "active"],
    ["userName eq 5", "userName"],
    ["userName eq true", "userName"],
    ["userName gt null", "userName"],
    ['meta.created co "2026"', "meta.created"],
    ['meta.created gt "not a date"', "meta.created"],
  ])("refuses %s, naming %s", (filter, named) => {
    expect(invalidFilterError(filter).detail).toContain(named);
  });

  it("refuses attributes that only the missing document could hold", () => {
    const groups: FilterTarget = {
      resourceType: groupResourceType,
      columns: { displayname: sql`t.display_name_lower` },
      sideTables: {
        members: {
          columns: { value: sql`m.member_id` },
          match: (condition) => sql`t.id IN (SELECT m.team_id FROM m WHERE ${condition})`,
        },
      },
    };
    expect(render(compileFilter('displayName eq "Sales" and members[value eq "U-1"]', groups))).toEqual({
      sql: "((t.display_name_lower = ?) AND t.id IN (SELECT m.team_id FROM m WHERE (m.member_id = ?)))",
      params: ["sales", "U-1"],
    });
    expect(invalidFilterError('members[display eq "x"]', groups).detail).toContain("members");
    expect(invalidFilterError('externalId eq "x"', groups).detail).toContain("externalId");
  });
});

describe("parseFilter", () => {
  it("decodes string literals as JSON and accepts keywords in any case", () => {
    expect(parseFilter('displayName eq "a\\\\b \\"c\\" caf\\u00e9"')).toEqual({
      op: "eq",
      attrPath: "displayName",
      compValue: 'a\\b "c" café',
    });
    expect(parseFilter("active EQ True")).toEqual({ op: "eq", attrPath: "active", compValue: true });
    expect(parseFilter("title eq NULL")).toEqual({ op: "eq", attrPath: "title", compValue: null });
  });

  it("reads a value path's sub-attribute as part of the element condition", () => {
    expect(parseFilter('emails[type eq "work"].value eq "x"')).toEqual({
      op: "[]",
      attrPath: "emails",
      valFilter: {
        op: "and",
        filters: [
          { op: "eq", attrPath: "type", compValue: "work" },
          { op: "eq", attrPath: "value", compValue: "x" },
        ],
      },
    });
  });
});
