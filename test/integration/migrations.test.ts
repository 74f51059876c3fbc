import { applyD1Migrations, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { foldCase } from "../../src/scim/folding";

/**
 * Migrations applied to a database that holds data, as production's does: D1 ignores
 * PRAGMA foreign_keys=OFF, so a migration that rebuilt a table could cascade-delete rows. Each
 * migration of this kind is applied here after rows were written by the migrations before it.
 */
const db = env.MIGRATION_TEST_DB;
const migrations = env.TEST_MIGRATIONS.DB_SHARD_0;
const upTo = (name: string) =>
  migrations.slice(
    0,
    migrations.findIndex((m) => m.name.startsWith(name)),
  );

/** Every table's row count: equal before and after means no row went. */
async function rowCounts(): Promise<Record<string, number>> {
  const tables = (
    await db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations'",
      )
      .all<{ name: string }>()
  ).results;
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    counts[name] = (await db.prepare(`SELECT count(*) AS n FROM "${name}"`).first<number>("n")) ?? 0;
  }
  return counts;
}

const AT = "2026-06-01T10:00:00.000Z";

describe("0015_fold_ascii on a database holding data", () => {
  it("keeps every row, moves no version, timestamp or counter, and folds the folded columns by the one rule", async () => {
    await applyD1Migrations(db, upTo("0015_"));
    const org = crypto.randomUUID();
    const [emile, plain] = [crypto.randomUUID(), crypto.randomUUID()];
    const team = crypto.randomUUID();
    const member = (id: string, userName: string, email: string) =>
      db
        .prepare(
          "INSERT INTO members (id, org_id, user_name, user_name_lower, email, email_lower, active, source, provisioned, document, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, 'okta', 1, ?, ?, ?)",
        )
        // The folded columns as JavaScript's toLowerCase() left them, every letter folded.
        .bind(
          id,
          org,
          userName,
          userName.toLowerCase(),
          email,
          email.toLowerCase(),
          JSON.stringify({ userName, emails: [{ value: email, primary: true }] }),
          AT,
          AT,
        );
    await db.batch([
      db
        .prepare(
          "INSERT INTO organizations (id, name, licenses, created_at, updated_at) VALUES (?, 'Ünïcode', 10, ?, ?)",
        )
        .bind(org, AT, AT),
      member(emile, "ÉMILE.Zoë@Acme.test", "ÉMILE.Zoë@Acme.test"),
      member(plain, "Plain@Acme.test", "Plain@Acme.test"),
      db
        .prepare(
          "INSERT INTO teams (id, org_id, display_name, display_name_lower, source, provisioned, created_at, updated_at) VALUES (?, ?, 'Équipe ÄB', 'équipe äb', 'okta', 1, ?, ?)",
        )
        .bind(team, org, AT, AT),
      db
        .prepare("INSERT INTO team_members (team_id, member_id, org_id) VALUES (?, ?, ?), (?, ?, ?)")
        .bind(team, emile, org, team, plain, org),
      db
        .prepare(
          "INSERT INTO conflicts (id, org_id, kind, status, target_type, subject, target_name, document, detail, created_at, last_seen_at) VALUES (?, ?, 'no_licence', 'open', 'member', 'öla@acme.test', 'ÖLA@Acme.test', ?, 'No licence', ?, ?)",
        )
        .bind(crypto.randomUUID(), org, JSON.stringify({ userName: "ÖLA@Acme.test" }), AT, AT),
      db
        .prepare(
          "INSERT INTO scim_requests (id, org_id, at, method, operation, status, failed, duration_ms, user_name, subject_lower) VALUES (?, ?, ?, 'POST', 'create user', 201, 0, 3, 'ÉMILE.Zoë@Acme.test', 'émile.zoë@acme.test')",
        )
        .bind(crypto.randomUUID(), org, AT),
      db
        .prepare(
          "INSERT INTO activity_log (id, org_id, at, actor, action, target_type, target_id) VALUES (?, ?, ?, 'scim:okta', 'member.created', 'member', ?)",
        )
        .bind(crypto.randomUUID(), org, AT, emile),
    ]);
    const revisions =
      "SELECT id, version, created_at, updated_at FROM members UNION ALL SELECT id, version, created_at, updated_at FROM teams ORDER BY id";
    const before = { counts: await rowCounts(), revisions: (await db.prepare(revisions).all()).results };
    const organization = () =>
      db
        .prepare(
          "SELECT licenses_used, member_count, provisioned_members, provisioned_teams, members_revision FROM organizations WHERE id = ?",
        )
        .bind(org)
        .first();
    const countersBefore = await organization();
    expect(before.counts).toMatchObject({ members: 2, teams: 1, team_members: 2, member_emails: 2, conflicts: 1 });

    await applyD1Migrations(db, migrations);

    // 0016 moved the (here empty) console tables to the control plane; every other table keeps its rows.
    const { console_links, console_sessions, ...kept } = before.counts;
    expect(console_links + console_sessions).toBe(0);
    // 0017 adds the deprovisioning safeguard's tables, empty.
    expect(await rowCounts()).toEqual({ ...kept, safeguard_holds: 0, safeguards: 0 });
    expect((await db.prepare(revisions).all()).results).toEqual(before.revisions);
    expect(await organization()).toEqual(countersBefore);
    const folded = (sql: string) =>
      db
        .prepare(sql)
        .bind(org)
        .all()
        .then((r) => r.results);
    expect(
      await folded("SELECT user_name_lower, email_lower FROM members WHERE org_id = ? ORDER BY user_name"),
    ).toEqual([
      { user_name_lower: "plain@acme.test", email_lower: "plain@acme.test" },
      { user_name_lower: foldCase("ÉMILE.Zoë@Acme.test"), email_lower: foldCase("ÉMILE.Zoë@Acme.test") },
    ]);
    expect(foldCase("ÉMILE.Zoë@Acme.test")).toBe("Émile.zoë@acme.test");
    expect(await folded("SELECT display_name_lower FROM teams WHERE org_id = ?")).toEqual([
      { display_name_lower: "Équipe Äb" },
    ]);
    expect(await folded("SELECT subject FROM conflicts WHERE org_id = ?")).toEqual([{ subject: "Öla@acme.test" }]);
    expect(await folded("SELECT subject_lower FROM scim_requests WHERE org_id = ?")).toEqual([
      { subject_lower: "Émile.zoë@acme.test" },
    ]);
    expect(await folded("SELECT count(*) AS n FROM team_members WHERE org_id = ?")).toEqual([{ n: 2 }]);
  });
});
