import * as v from "valibot";
import { AdminError } from "./errors";

const cursorSchema = v.tuple([v.string(), v.string()]);

type SortKey = [at: string, id: string];

/** An opaque cursor naming the last row of a page by its sort key (a timestamp and an id). */
const encodeCursor = (key: SortKey) => btoa(JSON.stringify(key));

function decodeCursor(cursor: string): SortKey {
  try {
    return v.parse(cursorSchema, JSON.parse(atob(cursor)));
  } catch {
    throw new AdminError(400, "invalid_request", "cursor: not a cursor this API returned.");
  }
}

/** Query parameters, validated like bodies: a bad one is a 400 that names it. */
export function readQuery<T extends v.GenericSchema>(query: Record<string, string>, schema: T): v.InferOutput<T> {
  const parsed = v.safeParse(schema, query);
  if (parsed.success) return parsed.output;
  const issue = parsed.issues[0];
  throw new AdminError(400, "invalid_request", `${v.getDotPath(issue) ?? "query"}: ${issue.message}`);
}

/** `limit`: 1 to 200, 50 by default. */
export const limitParameter = v.optional(
  v.pipe(v.string(), v.regex(/^\d+$/, "must be a whole number"), v.transform(Number), v.minValue(1), v.maxValue(200)),
  "50",
);

/**
 * One keyset page: reads one row more than asked, to know whether another page follows, and
 * returns the cursor that continues after the last row.
 */
export async function readPage<T>(
  query: { cursor?: string; limit: number },
  read: (after: SortKey | undefined, limit: number) => Promise<T[]>,
  keyOf: (row: T) => SortKey,
): Promise<{ page: T[]; nextCursor: string | null }> {
  const rows = await read(query.cursor ? decodeCursor(query.cursor) : undefined, query.limit + 1);
  const page = rows.slice(0, query.limit);
  return { page, nextCursor: rows.length > query.limit ? encodeCursor(keyOf(page[page.length - 1])) : null };
}
