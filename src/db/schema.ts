import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { ACTIVITY_ACTIONS, type Actor, type Changes, TARGET_TYPES } from "./activity-entries";
import {
  LICENCE_LIMIT_CHECK,
  LICENCES_NOT_NEGATIVE_CHECK,
  SAFEGUARD_SETTINGS_CHECK,
  VERSION_MOVED_CHECK,
} from "./constraints";

/** Who a member or team came from: created by hand, or provisioned by an identity provider. */
export const SCIM_PROVIDERS = ["okta", "entra", "generic"] as const;
export const SOURCES = ["manual", ...SCIM_PROVIDERS] as const;
export type ScimProvider = (typeof SCIM_PROVIDERS)[number];
export type Source = (typeof SOURCES)[number];

/**
 * Members an organization may hold unless its admin sets another quota: far above any licence count
 * we sell, but a bound on what one tenant can store in the database all tenants share.
 */
export const DEFAULT_MEMBER_QUOTA = 250_000;

/**
 * The database's clock as ISO-8601 UTC text with milliseconds, the format of `toISOString()`. It is
 * the one source of members' and teams' timestamps: the statements built on the tables below and
 * the membership triggers (drizzle/0014) write it, TypeScript never does, so no two clocks (a
 * Worker's and D1's) ever meet in one column.
 */
export const DATABASE_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
const databaseNow = () => sql.raw(`(${DATABASE_NOW})`);

/**
 * A resource's version (its ETag) and timestamps, owned by the database: an insert starts at version
 * 1 and stamps both times; every UPDATE statement built on the table moves the version on by one
 * and stamps lastModified. A membership row joining or leaving does the same to both sides, by
 * trigger (drizzle/0014). Nothing else writes these columns.
 */
const revisionColumns = () => ({
  version: integer("version")
    .notNull()
    .default(1)
    .$onUpdateFn(() => sql`"version" + 1`),
  createdAt: text("created_at").notNull().$defaultFn(databaseNow),
  updatedAt: text("updated_at").notNull().$defaultFn(databaseNow).$onUpdateFn(databaseNow),
});

export const organizations = sqliteTable(
  "organizations",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    licenses: integer("licenses").notNull(),
    // Maintained by triggers on members (see the licence migration): one per active member.
    licensesUsed: integer("licenses_used").notNull().default(0),
    // Maintained by triggers: SCIM's unfiltered totalResults without counting 100,000 index entries.
    provisionedMembers: integer("provisioned_members").notNull().default(0),
    provisionedTeams: integer("provisioned_teams").notNull().default(0),
    // Every member, manual or provisioned, active or not; kept by triggers, and held to member_quota by
    // one (see the member-quota migration), so no interleaving of requests can exceed it.
    memberCount: integer("member_count").notNull().default(0),
    memberQuota: integer("member_quota").notNull().default(DEFAULT_MEMBER_QUOTA),
    // Bumped by triggers whenever a provisioned member is added or deleted: list positions may have moved.
    membersRevision: integer("members_revision").notNull().default(0),
    scimEnabled: integer("scim_enabled", { mode: "boolean" }).notNull().default(false),
    scimProvider: text("scim_provider").$type<ScimProvider>(),
    // SHA-256 of the secret token, hex. The token itself is never stored.
    scimTokenHash: text("scim_token_hash"),
    scimTokenCreatedAt: text("scim_token_created_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    // The licence limit is enforced by the database, so no interleaving of requests can exceed it.
    check(LICENCE_LIMIT_CHECK, sql`${t.licensesUsed} <= ${t.licenses}`),
    check(LICENCES_NOT_NEGATIVE_CHECK, sql`${t.licensesUsed} >= 0`),
    // The console's organization list: keyset pages in (created_at, id) order.
    index("organizations_order").on(t.createdAt, t.id),
  ],
);

export const members = sqliteTable(
  "members",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    userName: text("user_name").notNull(),
    userNameLower: text("user_name_lower").notNull(),
    email: text("email").notNull(),
    emailLower: text("email_lower").notNull(),
    externalId: text("external_id"),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    source: text("source").$type<Source>().notNull(),
    provisioned: integer("provisioned", { mode: "boolean" }).notNull(),
    // The SCIM resource as stored: canonical names, no id/meta/groups/password.
    document: text("document", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    ...revisionColumns(),
    // SCIM sortBy keys, derived from the document by triggers (see the sort-keys migration): folded by
    // SQLite's lower(), and a missing value is char(0x10FFFF), which sorts after every text, so
    // ascending puts it last and descending first (RFC 7644 §3.4.2.3).
    sortDisplayName: text("sort_display_name"),
    sortFamilyName: text("sort_family_name"),
    sortGivenName: text("sort_given_name"),
    /** The primary email, else the first. */
    sortEmail: text("sort_email"),
    sortExternalId: text("sort_external_id"),
  },
  (t) => [
    uniqueIndex("members_org_user_name").on(t.orgId, t.userNameLower),
    uniqueIndex("members_org_email").on(t.orgId, t.emailLower),
    index("members_org_external_id").on(t.orgId, t.externalId),
    // Stable listing order per organization, provisioned (SCIM) and all (control panel).
    index("members_org_provisioned_order").on(t.orgId, t.provisioned, t.createdAt, t.id),
    index("members_org_order").on(t.orgId, t.createdAt, t.id),
    // One per SCIM sortBy, ties broken by id: a sorted page is an index range, never a sort of the tenant.
    index("members_sort_user_name").on(t.orgId, t.provisioned, t.userNameLower, t.id),
    index("members_sort_display_name").on(t.orgId, t.provisioned, t.sortDisplayName, t.id),
    index("members_sort_family_name").on(t.orgId, t.provisioned, t.sortFamilyName, t.id),
    index("members_sort_given_name").on(t.orgId, t.provisioned, t.sortGivenName, t.id),
    index("members_sort_email").on(t.orgId, t.provisioned, t.sortEmail, t.id),
    index("members_sort_external_id").on(t.orgId, t.provisioned, t.sortExternalId, t.id),
    index("members_sort_last_modified").on(t.orgId, t.provisioned, t.updatedAt, t.id),
  ],
);

/** One row per email of a member, derived from members.document by trigger, for indexed email filters. */
export const memberEmails = sqliteTable(
  "member_emails",
  {
    memberId: text("member_id")
      .notNull()
      .references(() => members.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    orgId: text("org_id").notNull(),
    valueLower: text("value_lower"),
    typeLower: text("type_lower"),
    primary: integer("primary", { mode: "boolean" }),
  },
  (t) => [
    primaryKey({ columns: [t.memberId, t.position] }),
    index("member_emails_org_value").on(t.orgId, t.valueLower),
  ],
);

export const teams = sqliteTable(
  "teams",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    displayName: text("display_name").notNull(),
    displayNameLower: text("display_name_lower").notNull(),
    externalId: text("external_id"),
    source: text("source").$type<Source>().notNull(),
    provisioned: integer("provisioned", { mode: "boolean" }).notNull(),
    ...revisionColumns(),
    // The externalId sortBy key, kept by a trigger as for members (missing: char(0x10FFFF)).
    sortExternalId: text("sort_external_id"),
  },
  (t) => [
    uniqueIndex("teams_org_display_name").on(t.orgId, t.displayNameLower),
    index("teams_org_external_id").on(t.orgId, t.externalId),
    index("teams_org_provisioned_order").on(t.orgId, t.provisioned, t.createdAt, t.id),
    index("teams_org_order").on(t.orgId, t.createdAt, t.id),
    index("teams_sort_display_name").on(t.orgId, t.provisioned, t.displayNameLower, t.id),
    index("teams_sort_external_id").on(t.orgId, t.provisioned, t.sortExternalId, t.id),
    index("teams_sort_last_modified").on(t.orgId, t.provisioned, t.updatedAt, t.id),
  ],
);

/** Team membership, one row per (team, member): PATCHes insert and delete rows, never rewrite a list. */
export const teamMembers = sqliteTable(
  "team_members",
  {
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    memberId: text("member_id")
      .notNull()
      .references(() => members.id, { onDelete: "cascade" }),
    orgId: text("org_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.memberId] }), index("team_members_member").on(t.memberId, t.teamId)],
);

/**
 * Never holds a row. A conditional write (D1 has no interactive transactions) starts its batch with
 * an insert here that only happens, and breaks the check, when the row it read has moved on since:
 * D1 then rolls the whole batch back, and the caller reads again or reports the conflict.
 */
export const writeGuards = sqliteTable("write_guards", { stale: integer("stale").notNull() }, (t) => [
  check(VERSION_MOVED_CHECK, sql`${t.stale} = 0`),
]);

export const activityLog = sqliteTable(
  "activity_log",
  {
    // Made at the source, so redelivery of a message can never write it twice.
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull(),
    at: text("at").notNull(),
    actor: text("actor").$type<Actor>().notNull(),
    action: text("action", { enum: ACTIVITY_ACTIONS }).notNull(),
    targetType: text("target_type", { enum: TARGET_TYPES }).notNull(),
    targetId: text("target_id"),
    targetName: text("target_name"),
    changes: text("changes", { mode: "json" }).$type<Changes | Record<string, unknown>>(),
  },
  (t) => [
    // Newest-first keyset pages per organization, optionally narrowed to one action or target.
    index("activity_log_org_at").on(t.orgId, t.at, t.id),
    index("activity_log_org_action_at").on(t.orgId, t.action, t.at, t.id),
    index("activity_log_org_target_at").on(t.orgId, t.targetId, t.at, t.id),
    // Retention purges by age across organizations.
    index("activity_log_at").on(t.at),
  ],
);

/**
 * Activity entries committed in the same batch as the change they describe, until the queue consumer
 * has written them to activity_log: an accepted change never loses its entry, whatever the queue does.
 */
export const activityOutbox = sqliteTable(
  "activity_outbox",
  {
    id: text("id").primaryKey(),
    at: text("at").notNull(),
    // The entry as it travels on the queue.
    entry: text("entry").notNull(),
  },
  // The cron re-sends the oldest pending entries first.
  (t) => [index("activity_outbox_at").on(t.at)],
);

/**
 * Every authenticated SCIM request, and every one that failed authentication for a known
 * organization: what was asked, what it concerned, how it ended. Never a token, a password, an
 * Authorization header or a body. Written by the queue consumer; purged after SCIM_LOG_RETENTION_DAYS.
 */
export const scimRequests = sqliteTable(
  "scim_requests",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull(),
    at: text("at").notNull(),
    method: text("method").notNull(),
    resourceType: text("resource_type"),
    resourceId: text("resource_id"),
    // In words: `create user`, `patch group: add 3 members, remove 1`.
    operation: text("operation").notNull(),
    status: integer("status").notNull(),
    failed: integer("failed", { mode: "boolean" }).notNull(),
    scimType: text("scim_type"),
    detail: text("detail"),
    durationMs: integer("duration_ms").notNull(),
    userAgent: text("user_agent"),
    provider: text("provider"),
    userName: text("user_name"),
    externalId: text("external_id"),
    displayName: text("display_name"),
    // lower(userName, else displayName): what `q` matches the start of.
    subjectLower: text("subject_lower"),
    // The request presented a token this organization used to have (rotated or turned off).
    staleToken: integer("stale_token", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    index("scim_requests_org_at").on(t.orgId, t.at, t.id),
    index("scim_requests_org_failed_at").on(t.orgId, t.failed, t.at, t.id),
    index("scim_requests_org_subject_at").on(t.orgId, t.subjectLower, t.at, t.id),
    index("scim_requests_org_external_id_at").on(t.orgId, t.externalId, t.at, t.id),
    index("scim_requests_org_resource_at").on(t.orgId, t.resourceId, t.at, t.id),
    index("scim_requests_at").on(t.at),
  ],
);

/** SCIM requests and errors per organization and hour (UTC, `YYYY-MM-DDTHH`), kept by a trigger on scim_requests. */
export const scimRequestHours = sqliteTable(
  "scim_request_hours",
  {
    orgId: text("org_id").notNull(),
    hour: text("hour").notNull(),
    requests: integer("requests").notNull(),
    errors: integer("errors").notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.hour] }), index("scim_request_hours_hour").on(t.hour)],
);

/** The connection's health per organization, kept by a trigger on scim_requests (and reset with the token). */
export const scimHealth = sqliteTable("scim_health", {
  orgId: text("org_id").primaryKey(),
  lastRequestAt: text("last_request_at"),
  lastSuccessAt: text("last_success_at"),
  lastErrorAt: text("last_error_at"),
  tokenLastUsedAt: text("token_last_used_at"),
  // Requests since `staleSince` (the last token change) that presented a retired token.
  staleTokenAttempts: integer("stale_token_attempts").notNull().default(0),
  staleSince: text("stale_since"),
});

/** SHA-256 hashes of an organization's last retired tokens, to recognise an IdP still holding one. */
export const retiredScimTokens = sqliteTable(
  "retired_scim_tokens",
  {
    orgId: text("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    retiredAt: text("retired_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.tokenHash] })],
);

export type ConflictKind =
  | "email_held_by_manual_member"
  /** Another provisioned member holds the userName or email a create or update asked for. */
  | "name_taken"
  | "no_licence"
  /** A reactivation the identity provider asked for, refused because no licence was free. */
  | "reactivation_refused"
  | "member_quota"
  | "edited_while_off"
  | "deleted_while_off";
export type ConflictStatus = "open" | "linked" | "dismissed" | "resolved";

/** What provisioning could not do and an admin must decide, one open row per kind and subject. */
export const conflicts = sqliteTable(
  "conflicts",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    kind: text("kind").$type<ConflictKind>().notNull(),
    status: text("status").$type<ConflictStatus>().notNull(),
    targetType: text("target_type").$type<"member" | "team">().notNull(),
    // What makes two refusals the same conflict: the folded userName (foldCase) of a refused create or of a
    // member deleted here, or the id of the member (refused update, edit here) or team concerned.
    subject: text("subject").notNull(),
    // The member or team concerned: the manual member holding the email, the member or team edited here.
    targetId: text("target_id"),
    targetName: text("target_name"),
    provider: text("provider"),
    // For refused creates: the identity provider's document and active state, which a link applies.
    document: text("document", { mode: "json" }).$type<Record<string, unknown>>(),
    active: integer("active", { mode: "boolean" }),
    licenses: integer("licenses"),
    licensesUsed: integer("licenses_used"),
    detail: text("detail").notNull(),
    occurrences: integer("occurrences").notNull().default(1),
    createdAt: text("created_at").notNull(),
    lastSeenAt: text("last_seen_at").notNull(),
    resolvedAt: text("resolved_at"),
  },
  (t) => [
    uniqueIndex("conflicts_open_subject").on(t.orgId, t.kind, t.subject).where(sql`${t.status} = 'open'`),
    index("conflicts_org_status_seen").on(t.orgId, t.status, t.lastSeenAt, t.id),
  ],
);

/**
 * The deprovisioning safeguard's defaults, which an organization's admin may tune: a window of an
 * hour, and at most 20 % of the members active at its start (never fewer than 10) deactivated or
 * deleted over SCIM within it before the rest are held for review.
 */
export const SAFEGUARD_DEFAULTS = { thresholdPercent: 20, minimumMembers: 10, windowMinutes: 60 } as const;

/**
 * What the safeguard decided for one SCIM deactivation or deletion, written by the statement that
 * decides (src/db/safeguard-queries.ts) and read by the rest of the same batch: `opened` (first of a
 * new window) and `counted` apply within the threshold; `passed` applies uncounted (safeguard off,
 * window released, member let through); `tripped` (the first held), `held` and `waiting` (a held
 * member asked again) hold; `refused` (an admin kept the member active); `moved` (the member is no
 * longer as read: nothing counted, the write at its version fails).
 */
export const SAFEGUARD_DECISIONS = [
  "opened",
  "counted",
  "passed",
  "tripped",
  "held",
  "waiting",
  "refused",
  "moved",
] as const;
export type SafeguardDecision = (typeof SAFEGUARD_DECISIONS)[number];

/** One row per organization that has a safeguard setting or has had a SCIM deactivation; absent means the defaults. */
export const safeguards = sqliteTable(
  "safeguards",
  {
    orgId: text("org_id")
      .primaryKey()
      .references(() => organizations.id, { onDelete: "cascade" }),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    thresholdPercent: integer("threshold_percent").notNull().default(SAFEGUARD_DEFAULTS.thresholdPercent),
    minimumMembers: integer("minimum_members").notNull().default(SAFEGUARD_DEFAULTS.minimumMembers),
    windowMinutes: integer("window_minutes").notNull().default(SAFEGUARD_DEFAULTS.windowMinutes),
    // The current window: when its first counted deactivation came, how many it allows (fixed then,
    // from the members active at its start) and how many it has applied.
    windowStartedAt: text("window_started_at"),
    windowLimit: integer("window_limit").notNull().default(0),
    windowApplied: integer("window_applied").notNull().default(0),
    // Set by the first held request; cleared by a release, a reject, or the last hold going away.
    trippedAt: text("tripped_at"),
    // A release lets deactivations pass for the rest of its window.
    releasedAt: text("released_at"),
    decision: text("decision", { enum: SAFEGUARD_DECISIONS }),
  },
  (t) => [
    check(
      SAFEGUARD_SETTINGS_CHECK,
      sql`${t.thresholdPercent} BETWEEN 1 AND 100 AND ${t.minimumMembers} >= 1 AND ${t.windowMinutes} BETWEEN 1 AND 10080`,
    ),
  ],
);

export const SAFEGUARD_HOLD_STATUSES = ["held", "released", "rejected", "exempt"] as const;
export type SafeguardHoldStatus = (typeof SAFEGUARD_HOLD_STATUSES)[number];

/**
 * A deactivation or deletion the safeguard did not apply, with what was asked: `held` waits for an
 * admin; `released` is being applied (an IdP retry passes too); `rejected` keeps the member active
 * and refuses the IdP's retries; `exempt` lets the member's next deactivation through uncounted.
 * One row per member: a retry of the same request refreshes it.
 */
export const safeguardHolds = sqliteTable(
  "safeguard_holds",
  {
    orgId: text("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    memberId: text("member_id")
      .notNull()
      .references(() => members.id, { onDelete: "cascade" }),
    status: text("status", { enum: SAFEGUARD_HOLD_STATUSES }).notNull(),
    operation: text("operation").$type<"deactivate" | "delete">().notNull(),
    // For a deactivation: the profile the request asked for and the member's version it was asked
    // on; a release applies it if the member is still there, else deactivates the member as it is.
    document: text("document", { mode: "json" }).$type<Record<string, unknown>>(),
    baseVersion: integer("base_version").notNull(),
    actor: text("actor").$type<Actor>().notNull(),
    userAgent: text("user_agent"),
    requestId: text("request_id"),
    requestedAt: text("requested_at").notNull(),
    decidedAt: text("decided_at"),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.memberId] }),
    index("safeguard_holds_org_status_order").on(t.orgId, t.status, t.requestedAt, t.memberId),
    index("safeguard_holds_member").on(t.memberId),
  ],
);
