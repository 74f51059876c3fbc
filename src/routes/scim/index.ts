import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../../env";
import { errorBody, ScimError } from "../../scim/errors";
import { scimAuth } from "./auth";
import { discovery } from "./discovery";
import { toScimError } from "./errors";
import { scimJson } from "./respond";
import { groups } from "./groups";
import { users } from "./users";

export const MAX_BODY_BYTES = 1024 * 1024;

/** The SCIM 2.0 service of one tenant, mounted at /scim/v2/:orgId. */
export const scim = new Hono<AppEnv>();

scim.use(
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new ScimError(413, `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
    },
  }),
);
scim.use(scimAuth);

scim.route("/Users", users);
scim.route("/Groups", groups);
scim.route("/", discovery);

for (const unsupported of ["/Bulk", "/Me", "/.search", "/Users/.search", "/Groups/.search"]) {
  scim.all(unsupported, () => {
    throw new ScimError(501, `${unsupported} is not supported by this server (see /ServiceProviderConfig).`);
  });
}


scim.onError((error, c) => {
  const scimError = toScimError(error);
  if (scimError) return scimJson(c, errorBody(scimError), scimError.status as 400);
  console.error(JSON.stringify({ event: "error", path: new URL(c.req.url).pathname, error: String(error) }));
  return scimJson(c, errorBody(new ScimError(500, "Internal server error.")), 500);
});
