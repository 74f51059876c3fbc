import { and, eq, gt, inArray, isNull, lt } from "drizzle-orm";
import type { Database } from "./client";
import { consoleLinks, consoleSessions } from "./control-schema";

export type ConsoleSessionRow = typeof consoleSessions.$inferSelect;

export async function insertConsoleSession(db: Database, row: ConsoleSessionRow): Promise<void> {
  await db.insert(consoleSessions).values(row);
}

export async function selectConsoleSession(db: Database, idHash: string): Promise<ConsoleSessionRow | undefined> {
  const [row] = await db.select().from(consoleSessions).where(eq(consoleSessions.idHash, idHash));
  return row;
}

export async function touchConsoleSession(db: Database, idHash: string, lastSeenAt: string): Promise<void> {
  await db.update(consoleSessions).set({ lastSeenAt }).where(eq(consoleSessions.idHash, idHash));
}

export async function deleteConsoleSession(db: Database, idHash: string): Promise<void> {
  await db.delete(consoleSessions).where(eq(consoleSessions.idHash, idHash));
}

export async function insertConsoleLink(db: Database, row: typeof consoleLinks.$inferInsert): Promise<void> {
  await db.insert(consoleLinks).values(row);
}

/** The organization of a link that is unused and unexpired at `at`, without using it. */
export async function selectUsableConsoleLink(db: Database, tokenHash: string, at: string) {
  const [row] = await db
    .select({ orgId: consoleLinks.orgId })
    .from(consoleLinks)
    .where(and(eq(consoleLinks.tokenHash, tokenHash), isNull(consoleLinks.usedAt), gt(consoleLinks.expiresAt, at)));
  return row;
}

/**
 * Marks a link used, only if it was still unused and unexpired: one conditional write, so two
 * concurrent redemptions of the same link cannot both succeed. Returns its organization, or undefined.
 */
export async function useConsoleLink(db: Database, tokenHash: string, at: string) {
  const [row] = await db
    .update(consoleLinks)
    .set({ usedAt: at })
    .where(and(eq(consoleLinks.tokenHash, tokenHash), isNull(consoleLinks.usedAt), gt(consoleLinks.expiresAt, at)))
    .returning({ orgId: consoleLinks.orgId });
  return row;
}

/** Deletes up to `limit` sessions created before `before` and links expired before it; returns how many went. */
export async function deleteExpiredConsoleRows(db: Database, before: string, limit: number): Promise<number> {
  const sessions = db
    .select({ idHash: consoleSessions.idHash })
    .from(consoleSessions)
    .where(lt(consoleSessions.createdAt, before))
    .limit(limit);
  const links = db
    .select({ tokenHash: consoleLinks.tokenHash })
    .from(consoleLinks)
    .where(lt(consoleLinks.expiresAt, before))
    .limit(limit);
  const [deletedSessions, deletedLinks] = await db.batch([
    db
      .delete(consoleSessions)
      .where(inArray(consoleSessions.idHash, sessions))
      .returning({ id: consoleSessions.idHash }),
    db.delete(consoleLinks).where(inArray(consoleLinks.tokenHash, links)).returning({ id: consoleLinks.tokenHash }),
  ]);
  return deletedSessions.length + deletedLinks.length;
}
