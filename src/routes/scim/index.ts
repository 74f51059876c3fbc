import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { classifyFailure } from "../../domain/failures";
import type { AppEnv } from "../../env";
import { MAX_PAYLOAD_BYTES } from "../../scim/bulk";
import { errorBody, ScimError } from "../../scim/errors";
import { authorize, scimAuth } from "./auth";
import { bulk } from "./bulk";
import { discovery } from "./discovery";
import { toScimError } from "./errors";
import { groupListing, groups } from "./groups";
import { respondWithList, searchRequest } from "./list";
import { methodNotAllowed } from "./method-not-allowed";
import { scimRequestLog } from "./request-log";
import { scimJson } from "./respond";
import { userListing, users } from "./users";

/** The SCIM 2.0 service of one tenant, mounted at /scim/v2/:orgId. */
export const scim = new Hono<AppEnv>();

scim.use(scimRequestLog);
scim.use(
  bodyLimit({
    maxSize: MAX_PAYLOAD_BYTES,
    onError: () => {
      throw new ScimError(413, `The request body is larger than ${MAX_PAYLOAD_BYTES} bytes.`);
    },
  }),
);
scim.use(scimAuth);

scim.route("/Users", users);
scim.route("/Groups", groups);

// RFC 7644 §3.11: /Me is the authenticated subject's own resource; a provisioning token has none.
scim.all("/Me", async (c) => {
  await authorize(c, c.var.db, []);
  throw new ScimError(501, "/Me is not supported: a provisioning token authenticates a client, not a user.");
});
// The root search lists users, then groups (see respondWithList for the paging across both).
scim.post("/.search", (c) => respondWithList(c, [userListing, groupListing], searchRequest(c)));
scim.all("/.search", methodNotAllowed("POST"));

scim.post("/Bulk", bulk);
scim.all("/Bulk", methodNotAllowed("POST"));
// Last: its tenant check applies to every path it is reached on.
scim.route("/", discovery);

scim.onError((error, c) => {
  const answer = (scimError: ScimError, headers: Record<string, string> = {}) => {
    c.set("scimError", scimError);
    return scimJson(c, errorBody(scimError), scimError.status as 400, headers);
  };
  const scimError = toScimError(error);
  if (scimError) {
    const wait = scimError.retryAfterSeconds;
    return answer(scimError, wait === undefined ? {} : { "Retry-After": String(wait) });
  }
  const failure = classifyFailure(error, new URL(c.req.url).pathname);
  if (failure.kind === "busy") {
    return answer(new ScimError(failure.status, failure.message), {
      "Retry-After": String(failure.retryAfterSeconds),
    });
  }
  return answer(new ScimError(500, "Internal server error."));
});
