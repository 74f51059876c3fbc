// Seeds a fresh local D1 in bulk with SQL (`wrangler d1 execute --file`): far faster than going
// through the API, and the rows are exactly what the service itself writes.

import { execFileSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { env, SCIM_TOKEN, STATE, USER_SCHEMA, wrangler } from "./env.mjs";

const quote = (value) =>
  value === null ? "NULL" : typeof value === "number" ? String(value) : `'${String(value).replaceAll("'", "''")}'`;
const stamp = (i) => new Date(Date.UTC(2026, 0, 1) + i).toISOString();
export const userName = (orgId, i) => `${orgId}-member${i}@bench.test`;

function chunked(items, size) {
  const chunks = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

function insertRows(table, columns, rows, perStatement = 100) {
  return chunked(rows, perStatement).map(
    (chunk) =>
      `INSERT INTO ${table} (${columns.join(", ")}) VALUES\n${chunk.map((r) => `(${r.map(quote).join(", ")})`).join(",\n")};`,
  );
}

/** An organization with `size` provisioned members (SCIM on for `provider`); returns its SQL and member ids. */
function tenantSql(orgId, size, provider = "okta") {
  const hash = createHash("sha256").update(SCIM_TOKEN).digest("hex");
  const members = Array.from({ length: size }, () => randomUUID());
  const statements = [
    ...insertRows(
      "organizations",
      [
        "id",
        "name",
        "licenses",
        "scim_enabled",
        "scim_provider",
        "scim_token_hash",
        "scim_token_created_at",
        "created_at",
        "updated_at",
      ],
      [[orgId, `Bench ${orgId}`, size + 100_000, 1, provider, hash, stamp(0), stamp(0), stamp(0)]],
    ),
    ...insertRows(
      "members",
      [
        "id",
        "org_id",
        "user_name",
        "user_name_lower",
        "email",
        "email_lower",
        "active",
        "source",
        "provisioned",
        "document",
        "created_at",
        "updated_at",
      ],
      members.map((id, i) => {
        const name = userName(orgId, i);
        const document = JSON.stringify({
          schemas: [USER_SCHEMA],
          userName: name,
          name: { givenName: "Bench", familyName: `M${i}` },
          emails: [{ value: name, type: "work", primary: true }],
        });
        return [id, orgId, name, name, name, name, 1, provider, 1, document, stamp(i), stamp(i)];
      }),
    ),
  ];
  return { statements, members };
}

/** Teams `{ id, name, members: [index into the tenant's members] }` with their membership rows. */
function teamsSql(orgId, tenantMembers, teams) {
  return [
    ...insertRows(
      "teams",
      ["id", "org_id", "display_name", "display_name_lower", "source", "provisioned", "created_at", "updated_at"],
      teams.map((t, i) => [t.id, orgId, t.name, t.name.toLowerCase(), "okta", 1, stamp(i), stamp(i)]),
    ),
    ...insertRows(
      "team_members",
      ["team_id", "member_id", "org_id"],
      teams.flatMap((t) => t.members.map((m) => [t.id, tenantMembers[m], orgId])),
      300,
    ),
  ];
}

const range = (from, to) => Array.from({ length: to - from }, (_, i) => from + i);
const team = (name, members) => ({ id: randomUUID(), name, members });

/**
 * Members of each safeguard tenant: at the default 20 %, 1,200 deactivations fit in a window, more
 * than a case's 1,000 requests, so the armed safeguard counts every one and holds none.
 */
export const GUARD_SIZE = 6_000;

/** Members of the groups tenant in no group: what the membership cases add and remove again. */
export const GROUP_POOL = 24_000;

/**
 * Three tenants:
 * - `1k`: 1,000 members, each in one of 1,000 one-member groups (Okta's group import pages);
 * - `100k`: 100,000 members; members 0–999 are in the same 20 teams (a user in many teams);
 * - `groups`: 124,000 members with groups of 10, 10,000 and 100,000 members (members 0–99,999),
 *   and 24,000 members in no group (`pool`), which the membership cases add and remove.
 * Member `i` of a tenant has the user name `userName(orgId, i)`.
 */
export function seed() {
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(STATE, { recursive: true });
  execFileSync("node", ["scripts/migrate.mjs", "--local", "--persist-to", STATE], { env, stdio: "inherit" });
  const started = performance.now();

  const small = tenantSql("bench-1k", 1_000);
  const smallGroups = range(0, 1_000).map((i) => team(`Group ${i}`, [i]));
  const large = tenantSql("bench-100k", 100_000);
  const twentyTeams = range(0, 20).map((k) => team(`Team ${k}`, range(0, 1_000)));
  const grouped = tenantSql("bench-groups", 100_000 + GROUP_POOL);
  const groups = {
    10: team("Ten", range(10_000, 10_010)),
    10000: team("Ten thousand", range(0, 10_000)),
    100000: team("Everyone", range(0, 100_000)),
  };
  // The deprovisioning safeguard: the 1k tenant's deactivate case deactivates all 1,000 members, so
  // its safeguard counts each at 100 % (armed, never holding); the two guard tenants compare a
  // deactivation with the safeguard armed at its defaults and turned off.
  const guardArmed = tenantSql("bench-guard-armed", GUARD_SIZE);
  const guardOff = tenantSql("bench-guard-off", GUARD_SIZE);
  const safeguards = insertRows(
    "safeguards",
    ["org_id", "enabled", "threshold_percent"],
    [
      ["bench-1k", 1, 100],
      ["bench-guard-off", 0, 20],
    ],
  );
  const files = [
    [...small.statements, ...teamsSql("bench-1k", small.members, smallGroups)],
    [...guardArmed.statements, ...guardOff.statements, ...safeguards],
    [...large.statements, ...teamsSql("bench-100k", large.members, twentyTeams)],
    [...grouped.statements, ...teamsSql("bench-groups", grouped.members, Object.values(groups))],
  ];
  files.forEach((statements, i) => {
    const file = join(STATE, `seed-${i}.sql`);
    writeFileSync(file, statements.join("\n"));
    wrangler("d1", "execute", "DB_SHARD_0", "--local", "--persist-to", STATE, "--file", file, "--yes");
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(`seeded ${225_000 + 2 * GUARD_SIZE} members and 1,023 groups in ${seconds.toFixed(1)} s`);
  const tenant = (orgId, size, members) => ({ orgId, size, members, userName: (i) => userName(orgId, i) });
  return {
    tenants: {
      "1k": { ...tenant("bench-1k", 1_000, small.members), groups: smallGroups },
      "100k": { ...tenant("bench-100k", 100_000, large.members), twentyTeams, inTwentyTeams: range(0, 1_000) },
      guardArmed: tenant("bench-guard-armed", GUARD_SIZE, guardArmed.members),
      guardOff: tenant("bench-guard-off", GUARD_SIZE, guardOff.members),
      groups: {
        ...tenant("bench-groups", 100_000 + GROUP_POOL, grouped.members),
        groups,
        pool: range(100_000, 100_000 + GROUP_POOL),
      },
    },
  };
}
