import type { activityLog, members, organizations } from "./schema";

export type Organization = typeof organizations.$inferSelect;
export type Member = typeof members.$inferSelect;
export type NewMember = typeof members.$inferInsert;
export type ActivityRow = typeof activityLog.$inferInsert;
