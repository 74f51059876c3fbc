import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import { beforeAll, describe, expect, it } from "vitest";
import { constraintFailed, loggableFailure, transientFailure } from "../../src/db/client";
import { LICENCE_LIMIT_CHECK as LICENCE_CONSTRAINT } from "../../src/db/constraints";

const db = drizzle(env.DB_SHARD_0);
const fixture = sqliteTable("errors_fixture", { name: text("name").primaryKey(), note: text("note") });

beforeAll(async () => {
  await env.DB_SHARD_0.exec("CREATE TABLE IF NOT EXISTS errors_fixture (name TEXT PRIMARY KEY, note TEXT)");
  await env.DB_SHARD_0.exec("DELETE FROM errors_fixture");
});

/** The error a real D1 write raises through drizzle: a single query, whose wrapper lists the bound parameters. */
async function failedInsert(row: { name: string; note: string }): Promise<unknown> {
  await db.insert(fixture).values({ name: row.name, note: "first" }).onConflictDoNothing();
  try {
    await db.insert(fixture).values(row);
  } catch (error) {
    return error;
  }
  throw new Error("the duplicate insert succeeded");
}

describe("D1 failures", () => {
  it("are classified by D1's message, never by request data in drizzle's list of parameters", async () => {
    const error = await failedInsert({
      name: "dup@acme.test",
      note: `${LICENCE_CONSTRAINT} constraint failed overloaded`,
    });
    expect(String(error)).toContain(LICENCE_CONSTRAINT); // drizzle's message does carry the parameters
    expect(constraintFailed(error, "UNIQUE")).toBe(true);
    expect(constraintFailed(error, LICENCE_CONSTRAINT)).toBe(false);
    expect(transientFailure(error)).toBeUndefined();
  });

  it("are logged with D1's message and the SQL, never the bound parameters", async () => {
    const error = await failedInsert({ name: "secret@acme.test", note: '{"title":"Secret document"}' });
    const logged = JSON.stringify(loggableFailure(error));
    expect(logged).not.toContain("secret@acme.test");
    expect(logged).not.toContain("Secret document");
    expect(loggableFailure(error)).toEqual({
      error: expect.stringMatching(/^DrizzleQueryError <- .*UNIQUE constraint failed: errors_fixture\.name/),
      query: 'insert into "errors_fixture" ("name", "note") values (?, ?)',
    });
    expect(loggableFailure(await db.run(sql`SELECT * FROM no_such_table`).catch((e) => e)).error).toContain(
      "no such table: no_such_table",
    );
  });
});
