import * as v from "valibot";
import { AdminError } from "./errors";

const cursorSchema = v.tuple([v.string(), v.string()]);

/** An opaque cursor naming the last row of a page by its sort key (a timestamp and an id). */
export const encodeCursor = (at: string, id: string) => btoa(JSON.stringify([at, id]));

export function decodeCursor(cursor: string): [at: string, id: string] {
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
