import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The control plane (DB_CONTROL): what spans organizations, so no shard holds it. Organizations and
 * everything scoped to one live on the shards (schema.ts); an organization id here refers to one of
 * them, with no foreign key across databases. Migrations: drizzle-control/ (drizzle-control.config.ts).
 */

/**
 * Console sign-in sessions. Only the SHA-256 of the session id is stored: a copy of the table opens
 * nothing. `orgId` null is an operator (ADMIN_TOKEN) session that sees every organization.
 */
export const consoleSessions = sqliteTable(
  "console_sessions",
  {
    idHash: text("id_hash").primaryKey(),
    orgId: text("org_id"),
    createdAt: text("created_at").notNull(),
    lastSeenAt: text("last_seen_at").notNull(),
  },
  // The daily purge of sessions past their absolute lifetime.
  (t) => [index("console_sessions_created").on(t.createdAt)],
);

/** Single-use console sign-in links for one organization's admin; only the token's SHA-256 is stored. */
export const consoleLinks = sqliteTable(
  "console_links",
  {
    tokenHash: text("token_hash").primaryKey(),
    orgId: text("org_id").notNull(),
    expiresAt: text("expires_at").notNull(),
    usedAt: text("used_at"),
  },
  (t) => [index("console_links_expires").on(t.expiresAt)],
);
