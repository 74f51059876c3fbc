import { sql } from "drizzle-orm";
import type { Database } from "./client";

/** Refreshes the query planner's statistics as tenants grow (D1's recommended upkeep, run daily). */
export async function optimizeQueryPlanner(db: Database): Promise<void> {
  await db.run(sql`PRAGMA optimize`);
}
