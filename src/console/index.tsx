import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { DomainError } from "../domain/errors";
import { classifyFailure } from "../domain/failures";
import { refusalOf } from "../routes/refusals";
import { FAVICON, SCRIPT, STYLESHEET } from "./assets";
import type { ConsoleEnv } from "./env";
import { orgPath } from "./layout";
import { activityCsv, activityPages } from "./pages/activity";
import { conflictsPages } from "./pages/conflicts";
import { membersPages } from "./pages/members";
import { errorPage, notFoundPage } from "./pages/not-found";
import { organizationsPages } from "./pages/organizations";
import { safeguardPages } from "./pages/safeguard";
import { settingsPages } from "./pages/settings";
import { home, signInPages } from "./pages/sign-in";
import { teamsPages } from "./pages/teams";
import { requireOrganization, requireSession } from "./session";

/** The control panel in a browser, at /console: server-rendered pages over the same domain functions as /admin/v1. */
export const consoleApp = new Hono<ConsoleEnv>();

consoleApp.use(
  secureHeaders({
    // Nothing inline and nothing from elsewhere: one stylesheet and one script, both served below.
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'"],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
    referrerPolicy: "no-referrer",
  }),
);
/**
 * CSRF: every state change is a POST, and Hono's `csrf` refuses a form POST whose Origin (or
 * Sec-Fetch-Site) is not this origin. The session cookie is SameSite=Strict besides, so a
 * cross-site form never carries it. Together that suffices without a token: browsers always send
 * Origin on POST, and a non-browser client has no victim's cookie to ride on.
 */
consoleApp.use(csrf());
consoleApp.use(bodyLimit({ maxSize: 64 * 1024 }));

const asset = (body: string, type: string) => (c: Context) =>
  c.body(body, 200, { "Content-Type": type, "Cache-Control": "public, max-age=300" });
consoleApp.get("/assets/console.css", asset(STYLESHEET, "text/css; charset=utf-8"));
consoleApp.get("/assets/console.js", asset(SCRIPT, "text/javascript; charset=utf-8"));
consoleApp.get("/assets/favicon.svg", asset(FAVICON, "image/svg+xml"));

consoleApp.use(async (c, next) => {
  await next();
  // Pages show members and settings: never kept by a shared cache or restored from one.
  if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
});

consoleApp.route("/", signInPages);
consoleApp.get("/", requireSession, home);

const orgPages = new Hono<ConsoleEnv>();
orgPages.use(requireOrganization);
orgPages.get("/", (c) => c.redirect(orgPath(c.var.organization, "/members"), 303));
orgPages.route("/settings", settingsPages);
orgPages.route("/members", membersPages);
orgPages.route("/teams", teamsPages);
orgPages.get("/activity.csv", activityCsv);
orgPages.route("/activity", activityPages);
orgPages.route("/conflicts", conflictsPages);
orgPages.route("/safeguard", safeguardPages);

const signedIn = new Hono<ConsoleEnv>();
signedIn.use(requireSession);
signedIn.route("/:orgId", orgPages);
signedIn.route("/", organizationsPages);
consoleApp.route("/orgs", signedIn);

consoleApp.all("*", notFoundPage);

consoleApp.onError((error, c) => {
  if (error instanceof DomainError && error.code === "not_found") return notFoundPage(c);
  // The CSRF check's refusal: a bare 403.
  if (error instanceof HTTPException && error.status === 403) return error.getResponse();
  const refusal = refusalOf(error);
  if (refusal && refusal.status < 500) return errorPage(c, 400, "That did not work", refusal.message);
  const failure = classifyFailure(error, new URL(c.req.url).pathname);
  if (failure.kind === "busy") {
    c.header("Retry-After", String(failure.retryAfterSeconds));
    return errorPage(
      c,
      failure.status,
      "The service is busy",
      "The console could not reach its database just now. Try again in a moment.",
    );
  }
  return errorPage(c, 500, "Something went wrong", "The console could not show this page. Try again in a moment.");
});
