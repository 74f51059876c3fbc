/**
 * The Worker's clock, for what TypeScript stamps or decides: activity entries, the request log,
 * organizations, conflicts, sessions and their expiry. Timestamps are ISO-8601 UTC text: they sort
 * correctly as strings and are SCIM's dateTime format. Members' and teams' created and lastModified
 * are the database's (DATABASE_NOW in the schema), never this: one clock per column.
 */
export const timestamp = (epochMs: number) => new Date(epochMs).toISOString();

export const now = () => timestamp(Date.now());
