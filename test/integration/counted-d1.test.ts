import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CountedD1Database, StatementLimitReached } from "../../src/db/counted-d1";

describe("the counted D1 handle", () => {
  it("counts each statement sent, one per run, all, first or raw and one per statement of a batch, and refuses unsent those past its limit", async () => {
    const db = new CountedD1Database(env.DB_SHARD_0, 8);
    await db.prepare("SELECT 1").all();
    await db.prepare("SELECT ?").bind(1).first();
    await db.prepare("SELECT 1").raw();
    await db.prepare("SELECT 1").run();
    expect(db.statements).toBe(4);
    await db.batch([db.prepare("SELECT 1"), db.prepare("SELECT ?").bind(2), env.DB_SHARD_0.prepare("SELECT 3")]);
    expect(db.statements).toBe(7);
    await db.withSession().prepare("SELECT 1").first();
    expect(db.statements).toBe(8);
    const exec = new CountedD1Database(env.DB_SHARD_0);
    await exec.exec("SELECT 1\nSELECT 2");
    expect(exec.statements).toBe(2);
    const table = `counted_${crypto.randomUUID().replaceAll("-", "")}`;
    await env.DB_SHARD_0.exec(`CREATE TABLE ${table} (n INTEGER)`);
    await expect(db.batch([db.prepare(`INSERT INTO ${table} VALUES (1)`)])).rejects.toThrow(StatementLimitReached);
    await expect(db.prepare(`INSERT INTO ${table} VALUES (2)`).run()).rejects.toThrow(StatementLimitReached);
    expect(db.statements).toBe(8);
    expect((await env.DB_SHARD_0.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first("n")) as number).toBe(0);
    await env.DB_SHARD_0.exec(`DROP TABLE ${table}`);
  });
});
