import type { Context } from "hono";
import { ScimError } from "../../scim/errors";

/** The handler for a known path reached with a method it does not serve. */
export function methodNotAllowed(...allowed: string[]) {
  return (c: Context) => {
    c.header("Allow", allowed.join(", "));
    throw new ScimError(405, `${c.req.method} is not supported here; use ${allowed.join(", ")}.`);
  };
}
