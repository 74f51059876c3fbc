import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { classifyFailure } from "../../domain/failures";
import type { AppEnv } from "../../env";
import { activityApi } from "./activity";
import { adminAuth } from "./auth";
import { conflictsApi } from "./conflicts";
import { consoleLinksApi } from "./console-links";
import { AdminError, toAdminError } from "./errors";
import { membersApi } from "./members";
import { organizationsApi } from "./organizations";
import { safeguardApi } from "./safeguard";
import { scimRequestsApi } from "./scim-requests";
import { teamsApi } from "./teams";

/** The control panel's API, mounted at /admin/v1. */
export const admin = new Hono<AppEnv>();

/** The largest admin request is a team's 1,000 member ids, about 40 KB. */
const MAX_BODY_BYTES = 64 * 1024;

admin.use(adminAuth);
admin.use(
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new AdminError(413, "body_too_large", `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
    },
  }),
);
admin.route("/organizations", organizationsApi);
admin.route("/organizations", activityApi);
admin.route("/organizations", consoleLinksApi);
admin.route("/organizations", scimRequestsApi);
admin.route("/organizations", conflictsApi);
admin.route("/organizations", safeguardApi);
admin.route("/organizations/:orgId/members", membersApi);
admin.route("/organizations/:orgId/teams", teamsApi);

admin.onError((error, c) => {
  const adminError = toAdminError(error);
  if (adminError) {
    return c.json({ error: { code: adminError.code, message: adminError.message } }, adminError.status);
  }
  const failure = classifyFailure(error, new URL(c.req.url).pathname);
  if (failure.kind === "busy") {
    c.header("Retry-After", String(failure.retryAfterSeconds));
    return c.json({ error: { code: "busy", message: failure.message } }, failure.status);
  }
  return c.json({ error: { code: "internal", message: "Internal server error." } }, 500);
});
