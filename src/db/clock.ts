import type { ChangeBatch } from "./change-batch";

/** Timestamps are ISO-8601 UTC text: they sort correctly as strings and are SCIM's dateTime format. */
export const now = () => new Date().toISOString();

/** Scratch: a type-only import back from the change batch, which imports this clock (a cycle). */
export type ClockOwner = ChangeBatch;
