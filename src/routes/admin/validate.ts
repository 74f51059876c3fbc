import type { Context } from "hono";
import * as v from "valibot";
import { AdminError } from "./errors";

/** Parses and validates a JSON body; a bad body is a 400 that says what is wrong, before anything is written. */
export async function readBody<T extends v.GenericSchema>(c: Context, schema: T): Promise<v.InferOutput<T>> {
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw new AdminError(400, "invalid_json", "The request body is not valid JSON.");
  }
  const result = v.safeParse(schema, body);
  if (!result.success) {
    const issue = result.issues[0];
    const path = v.getDotPath(issue);
    throw new AdminError(400, "invalid_request", path ? `${path}: ${issue.message}` : issue.message);
  }
  return result.output;
}
