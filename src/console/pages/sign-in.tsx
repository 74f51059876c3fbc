import { type Context, Hono } from "hono";
import { endSession, peekConsoleLink, redeemConsoleLink, signInOperator } from "../../domain/console-sessions";
import { getOrganization } from "../../domain/organizations";
import type { ConsoleEnv } from "../env";
import { formValues, InvalidForm } from "../forms";
import { Document, orgPath, PRODUCT } from "../layout";
import { clearSessionCookie, sessionCookie, setSessionCookie } from "../session";

/** Sign-in by the operator's ADMIN_TOKEN, by an organization's single-use link, and sign-out. */
export const signInPages = new Hono<ConsoleEnv>();

/** Only a console path goes into `next`: sign-in never redirects anywhere else. */
const safeNext = (next: string | undefined) =>
  next && /^\/console(?:[/?]|$)/.test(next) && !/[\\\s]/.test(next) ? next : "/console";

function SignInPage(props: { next: string; expired?: boolean; signedOut?: boolean; error?: string }) {
  return (
    <Document title="Sign in">
      <main class="sign-in" id="main">
        <h1>Sign in to the {PRODUCT} console</h1>
        {props.expired && (
          <p class="notice" role="status">
            Your session has ended. Sign in again to continue where you were.
          </p>
        )}
        {props.signedOut && (
          <p class="success" role="status">
            You are signed out.
          </p>
        )}
        <form method="post" action="/console/sign-in" class="panel">
          <input type="hidden" name="next" value={props.next} />
          <div class="field">
            <label for="token">Admin token</label>
            <input
              id="token"
              name="token"
              type="password"
              required
              autocomplete="current-password"
              aria-describedby="token-hint"
            />
            <p class="hint" id="token-hint">
              The deployment's ADMIN_TOKEN (locally, the one <code>npm run dev</code> printed).
            </p>
          </div>
          {props.error && (
            <p class="error" role="alert">
              {props.error}
            </p>
          )}
          <button type="submit">Sign in</button>
        </form>
        <p class="muted">
          Administering one organization? Open the sign-in link your provider gave you; if it has expired, ask them for
          a new one.
        </p>
      </main>
    </Document>
  );
}

signInPages.get("/sign-in", (c) =>
  c.html(
    <SignInPage
      next={safeNext(c.req.query("next"))}
      expired={c.req.query("expired") === "1"}
      signedOut={c.req.query("signedOut") === "1"}
    />,
  ),
);

signInPages.post("/sign-in", async (c) => {
  let values: Record<string, string>;
  try {
    values = await formValues(c);
  } catch (error) {
    if (!(error instanceof InvalidForm)) throw error;
    c.status(400);
    return c.html(<SignInPage next="/console" error={error.message} />);
  }
  const next = safeNext(values.next);
  const id = await signInOperator(c.var.storage.control, values.token ?? "", c.env.ADMIN_TOKEN);
  if (!id) {
    c.status(401);
    // The typed token is not sent back: a secret never appears in a response.
    return c.html(<SignInPage next={next} error="That is not the admin token of this deployment." />);
  }
  setSessionCookie(c, id);
  return c.redirect(next === "/console" ? "/console/orgs" : next, 303);
});

signInPages.post("/sign-out", async (c) => {
  const id = sessionCookie(c);
  if (id) await endSession(c.var.storage.control, id);
  clearSessionCookie(c);
  return c.redirect("/console/sign-in?signedOut=1", 303);
});

/**
 * A console link is `/console/link#cl_…`: the token is in the fragment, which a browser never sends,
 * so no URL log (Cloudflare's, a proxy's, a Referer) ever holds it. This page's form takes the link;
 * the console's script fills it from the fragment and sends it at once, and without script the admin
 * pastes the link into it.
 */
function LinkEntryPage(props: { error?: string }) {
  return (
    <Document title="Console sign-in link">
      <main class="sign-in" id="main">
        <h1>Open your organization's console</h1>
        <form method="post" action="/console/link/check" class="panel" data-link-form>
          <div class="field">
            <label for="link">Sign-in link</label>
            <input
              id="link"
              name="token"
              type="text"
              required
              autocomplete="off"
              spellcheck={false}
              aria-describedby="link-hint"
            />
            <p class="hint" id="link-hint">
              Paste the whole link your provider gave you. It only shows which organization it opens; it is used when
              you open the console.
            </p>
          </div>
          {props.error && (
            <p class="error" role="alert">
              {props.error}
            </p>
          )}
          <button type="submit">Continue</button>
        </form>
      </main>
    </Document>
  );
}

function LinkOpenPage(props: { token: string; organization: string }) {
  return (
    <Document title="Console sign-in link">
      <main class="sign-in" id="main">
        <h1>Open the {props.organization} console</h1>
        <form method="post" action="/console/link" class="panel">
          <input type="hidden" name="token" value={props.token} />
          <p>This link signs you in once, as an administrator of {props.organization}.</p>
          <button type="submit">Open the console</button>
        </form>
      </main>
    </Document>
  );
}

const linkGone = (c: Context) => {
  c.status(410);
  return c.html(
    <Document title="Console sign-in link">
      <main class="sign-in" id="main">
        <h1>This sign-in link cannot be used</h1>
        <p class="warning" role="alert">
          It was already used or has expired (links work once, within 10 minutes), or it was not copied whole. Ask your
          provider for a new link.
        </p>
        <p>
          <a href="/console/link">Enter another link</a>
        </p>
      </main>
    </Document>,
  );
};

/** The link's token from what the form sent: the whole link or the part after its `#`. */
async function linkToken(c: Context): Promise<string> {
  const typed = (await formValues(c)).token ?? "";
  const token = typed.slice(typed.lastIndexOf("#") + 1).trim();
  if (!token) throw new InvalidForm("Paste the sign-in link your provider gave you.");
  return token;
}

/** A form the link pages cannot read: the entry form again, with why. */
function linkRefused(c: Context, error: unknown) {
  if (!(error instanceof InvalidForm)) throw error;
  c.status(400);
  return c.html(<LinkEntryPage error={error.message} />);
}

signInPages.get("/link", (c) => c.html(<LinkEntryPage />));
// Form addresses reached by GET (a reload, a bookmark): the page each form is on.
signInPages.get("/link/check", (c) => c.redirect("/console/link", 303));
signInPages.get("/sign-out", (c) => c.redirect("/console", 303));

/**
 * Which organization a link opens, without using it: so a mail scanner or chat preview that follows
 * the link (even running the script) spends nothing. The session is opened by the POST below, in
 * answer to a same-site request, where SameSite=Strict lets the browser keep sending the cookie.
 */
signInPages.post("/link/check", async (c) => {
  try {
    const token = await linkToken(c);
    const { storage } = c.var;
    const orgId = await peekConsoleLink(storage.control, token);
    if (!orgId) return linkGone(c);
    const organization = await getOrganization(await storage.organizationDatabase(orgId), orgId);
    return c.html(<LinkOpenPage token={token} organization={organization.name} />);
  } catch (error) {
    return linkRefused(c, error);
  }
});

signInPages.post("/link", async (c) => {
  try {
    const token = await linkToken(c);
    const session = await redeemConsoleLink(c.var.storage.control, token);
    if (!session) return linkGone(c);
    setSessionCookie(c, session.id);
    return c.redirect(orgPath({ id: session.orgId }, "/members"), 303);
  } catch (error) {
    return linkRefused(c, error);
  }
});

/** The console's front door: the organization list for the operator, the organization for its admin. */
export function home(c: Context<ConsoleEnv>) {
  const { scope } = c.var.session;
  return c.redirect(scope.kind === "operator" ? "/console/orgs" : orgPath({ id: scope.orgId }, "/members"), 303);
}
