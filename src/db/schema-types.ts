import type { activityLog, conflicts, members, organizations, scimRequests, teams } from "./schema";

export type Organization = typeof organizations.$inferSelect;
export type Member = typeof members.$inferSelect;
export type NewMember = typeof members.$inferInsert;
export type ActivityRow = typeof activityLog.$inferInsert;
export type Team = typeof teams.$inferSelect;
export type NewTeam = typeof teams.$inferInsert;
export type ScimRequestRow = typeof scimRequests.$inferSelect;
export type Conflict = typeof conflicts.$inferSelect;
