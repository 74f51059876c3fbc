import type { Context } from "hono";
import * as v from "valibot";
import { readJsonBody } from "../json-body";
import { AdminError } from "./errors";

const CONTROL_CHARACTER = /\p{Cc}/u;

/** Text an admin types: no control characters (NUL, line breaks, escapes) once trimmed. */
export const noControlCharacters = v.check<string, string>(
  (text) => !CONTROL_CHARACTER.test(text),
  "must not contain control characters",
);

/** The name of an organization or a team: trimmed, 1 to 200 characters, no control characters. */
export const nameSchema = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, "must not be empty"),
  v.maxLength(200, "must be at most 200 characters"),
  noControlCharacters,
);

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
