import { type SQL, sql } from "drizzle-orm";

/**
 * The service's one case folding (foldCase, src/scim/folding.ts) in SQL, for values only the
 * database holds: SQLite's lower(), which folds exactly the ASCII letters, as foldCase does.
 */
export const foldedSql = (value: SQL): SQL => sql`lower(${value})`;
