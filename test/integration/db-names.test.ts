import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  LICENCE_LIMIT_CHECK,
  LICENCES_NOT_NEGATIVE_CHECK,
  MEMBER_QUOTA_REFUSAL,
  MEMBER_QUOTA_TRIGGER,
  MEMBERSHIP_VERSION_TRIGGERS,
  SAFEGUARD_SETTINGS_CHECK,
  SAFEGUARD_UNTRIP_TRIGGER,
  UNIQUE_EMAIL,
  UNIQUE_TEAM_NAME,
  UNIQUE_USER_NAME,
  VERSION_MOVED_CHECK,
} from "../../src/db/constraints";

/** The SQL the migrations left in the database for a table, index or trigger. */
const schemaSql = async (type: string, name: string) =>
  (await env.DB_SHARD_0.prepare("SELECT sql FROM sqlite_master WHERE type = ? AND name = ?")
    .bind(type, name)
    .first("sql")) as string | null;

describe("the names the error explanations match on", () => {
  it("are the names of the migrated database's checks, triggers and unique indexes", async () => {
    const organizations = await schemaSql("table", "organizations");
    expect(organizations).toContain(`CONSTRAINT "${LICENCE_LIMIT_CHECK}" CHECK`);
    expect(organizations).toContain(`CONSTRAINT "${LICENCES_NOT_NEGATIVE_CHECK}" CHECK`);
    expect(await schemaSql("table", "write_guards")).toContain(`CONSTRAINT "${VERSION_MOVED_CHECK}" CHECK`);
    expect(await schemaSql("trigger", MEMBER_QUOTA_TRIGGER)).toContain(`RAISE(ABORT, '${MEMBER_QUOTA_REFUSAL}')`);
    for (const trigger of MEMBERSHIP_VERSION_TRIGGERS) {
      expect(await schemaSql("trigger", trigger), trigger).toContain("ON `team_members`");
    }
    expect(await schemaSql("table", "safeguards")).toContain(`CONSTRAINT "${SAFEGUARD_SETTINGS_CHECK}" CHECK`);
    expect(await schemaSql("trigger", SAFEGUARD_UNTRIP_TRIGGER)).toContain("ON `safeguard_holds`");
    expect(await schemaSql("index", "members_org_user_name")).toContain("`user_name_lower`");
    expect(await schemaSql("index", "members_org_email")).toContain("`email_lower`");
    expect(await schemaSql("index", "teams_org_display_name")).toContain("`display_name_lower`");
    expect([UNIQUE_USER_NAME, UNIQUE_EMAIL, UNIQUE_TEAM_NAME]).toEqual([
      "members.user_name_lower",
      "members.email_lower",
      "teams.display_name_lower",
    ]);
  });

  it("are what D1 reports when a write breaks the rule", async () => {
    const org = crypto.randomUUID();
    const at = new Date().toISOString();
    await env.DB_SHARD_0.prepare(
      "INSERT INTO organizations (id, name, licenses, member_quota, created_at, updated_at) VALUES (?, 'Names', 0, 0, ?, ?)",
    )
      .bind(org, at, at)
      .run();
    const member = (userName: string, active: number, email = userName) =>
      env.DB_SHARD_0.prepare(
        "INSERT INTO members (id, org_id, user_name, user_name_lower, email, email_lower, active, source, provisioned, document, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'okta', 1, '{}', ?, ?)",
      )
        .bind(crypto.randomUUID(), org, userName, userName, email, email, active, at, at)
        .run();
    await expect(member("quota@acme.test", 0)).rejects.toThrow(MEMBER_QUOTA_REFUSAL);
    await env.DB_SHARD_0.prepare("UPDATE organizations SET member_quota = 10 WHERE id = ?").bind(org).run();
    await expect(member("licence@acme.test", 1)).rejects.toThrow(`CHECK constraint failed: ${LICENCE_LIMIT_CHECK}`);
    await member("taken@acme.test", 0);
    await expect(member("taken@acme.test", 0, "other@acme.test")).rejects.toThrow(UNIQUE_USER_NAME);
    await expect(member("other@acme.test", 0, "taken@acme.test")).rejects.toThrow(UNIQUE_EMAIL);
    await expect(env.DB_SHARD_0.prepare("INSERT INTO write_guards (stale) VALUES (1)").run()).rejects.toThrow(
      `CHECK constraint failed: ${VERSION_MOVED_CHECK}`,
    );
  });
});
