import type { Context } from "hono";
import * as v from "valibot";
import { readJsonBody } from "../json-body";
import { AdminError } from "./errors";

/** Parses and validates a JSON body; a bad body is a 400 that says what is wrong, before anything is written. */
export async function readBody<T extends v.GenericSchema>(c: Context, schema: T): Promise<v.InferOutput<T>> {
  const result = v.safeParse(schema, await readJsonBody(c.req));
  if (!result.success) {
    const issue = result.issues[0];
    const path = v.getDotPath(issue);
    throw new AdminError(400, "invalid_request", path ? `${path}: ${issue.message}` : issue.message);
  }
  return result.output;
}

/** `limit`: 1 to 200, 50 by default. */
export const limitParameter = v.optional(
  v.pipe(v.string(), v.regex(/^\d+$/, "must be a whole number"), v.transform(Number), v.minValue(1), v.maxValue(200)),
  "50",
);
