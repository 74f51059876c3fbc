import { eq } from "drizzle-orm";
import type { Database } from "./client";
import { organizations } from "./schema";

export const selectOrganizationStatement = (db: Database, id: string) =>
  db.select().from(organizations).where(eq(organizations.id, id)).limit(1);
