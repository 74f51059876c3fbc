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
