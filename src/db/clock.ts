/** Timestamps are ISO-8601 UTC text: they sort correctly as strings and are SCIM's dateTime format. */
export const now = () => new Date().toISOString();
