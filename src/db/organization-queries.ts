import { and, asc, eq, sql } from "drizzle-orm";
import { foldCase } from "../scim/folding";
import type { Database } from "./client";
import { textMatch } from "./filter/compare";
import { foldedSql } from "./folding";
import { afterKeyset, type Keyset } from "./keyset";
import { organizations } from "./schema";

export const selectOrganizationStatement = (db: Database, id: string) =>
  db.select().from(organizations).where(eq(organizations.id, id)).limit(1);

/** The console's organization list: names containing `q` (case-insensitively), a keyset page in (created_at, id) order. */
export function selectOrganizationKeysetPage(db: Database, query: { q?: string; after?: Keyset; limit: number }) {
  const q = query.q ? foldCase(query.q) : undefined;
  return db
    .select()
    .from(organizations)
    .where(
      and(
        q ? textMatch(foldedSql(sql`${organizations.name}`), "co", q) : undefined,
        afterKeyset(organizations.createdAt, organizations.id, query.after),
      ),
    )
    .orderBy(asc(organizations.createdAt), asc(organizations.id))
    .limit(query.limit);
}

/** Every member a shard holds, over all its organizations (their counters): what placing a new one weighs. */
export async function selectMemberTotal(db: Database): Promise<number> {
  const [row] = await db
    .select({ total: sql<number>`coalesce(sum(${organizations.memberCount}), 0)` })
    .from(organizations);
  return row?.total ?? 0;
}
