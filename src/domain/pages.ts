import * as v from "valibot";
import { DomainError } from "./errors";

/** Where a keyset page of the control panel's lists ends: the last row's sort key (a timestamp and an id). */
export type PageKey = [at: string, id: string];

/** A page asked for: the cursor a previous page returned (none for the first) and how many rows. */
export interface PageRequest {
  cursor?: string;
  limit: number;
}

export interface Page<T> {
  items: T[];
  /** Continues after the last row; null on the last page. */
  nextCursor: string | null;
}

const cursorSchema = v.tuple([v.string(), v.string()]);

/** An opaque cursor naming the last row of a page by its sort key. */
const encodeCursor = (key: PageKey) => btoa(JSON.stringify(key));

function decodeCursor(cursor: string): PageKey {
  try {
    return v.parse(cursorSchema, JSON.parse(atob(cursor)));
  } catch {
    throw new DomainError("invalid_input", "cursor: not a cursor this API returned.");
  }
}

/**
 * One keyset page: reads one row more than asked, to know whether another page follows, and
 * returns the cursor that continues after the last row.
 */
export async function readPage<T>(
  request: PageRequest,
  read: (after: PageKey | undefined, limit: number) => Promise<T[]>,
  keyOf: (row: T) => PageKey,
): Promise<Page<T>> {
  const rows = await read(request.cursor ? decodeCursor(request.cursor) : undefined, request.limit + 1);
  const items = rows.slice(0, request.limit);
  return { items, nextCursor: rows.length > request.limit ? encodeCursor(keyOf(items[items.length - 1])) : null };
}
