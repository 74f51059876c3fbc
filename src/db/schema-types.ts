import type { activityLog, members, organizations, teams } from "./schema";

export type Organization = typeof organizations.$inferSelect;
export type Member = typeof members.$inferSelect;
export type NewMember = typeof members.$inferInsert;
export type ActivityRow = typeof activityLog.$inferInsert;
export type Team = typeof teams.$inferSelect;
export type NewTeam = typeof teams.$inferInsert;
