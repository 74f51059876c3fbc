import { type Context, Hono } from "hono";
import * as v from "valibot";
import type { Organization } from "../../db/schema-types";
import {
  parseQuery,
  safeguardMinimumMembers,
  safeguardThresholdPercent,
  safeguardWindowMinutes,
} from "../../domain/inputs";
import {
  exemptMember,
  type HeldRequestView,
  heldRequests,
  identityProviderName,
  type memberHold,
  rejectHeld,
  releaseHeld,
  type SafeguardState,
  safeguardState,
  tripSummary,
  updateSafeguardSettings,
} from "../../domain/safeguard";
import { ConfirmAction, Field, FormError, type FormState, kept, Pager, PostForm, withQuery } from "../components";
import type { ConsoleEnv } from "../env";
import { confirmed, parseForm, submitForm } from "../forms";
import { Layout, orgPath } from "../layout";
import { ago } from "../provisioning";
import { confirmPage } from "./confirm";

const PAGE_SIZE = 50;

const reviewQuery = v.object({
  cursor: v.optional(v.string()),
  done: v.optional(v.picklist(["released", "rejected", "exempted", "saved"])),
});

const wholeNumber = v.pipe(v.string(), v.trim(), v.regex(/^\d+$/, "must be a whole number"), v.transform(Number));
const settingsForm = v.object({
  enabled: v.optional(v.literal("on")),
  thresholdPercent: v.pipe(wholeNumber, safeguardThresholdPercent),
  minimumMembers: v.pipe(wholeNumber, safeguardMinimumMembers),
  windowMinutes: v.pipe(wholeNumber, safeguardWindowMinutes),
});
const SETTING_LABELS = {
  thresholdPercent: "Threshold",
  minimumMembers: "Minimum",
  windowMinutes: "Window",
};

const DONE = {
  released: "Released: the held requests are applied, and further deactivations pass until the window ends.",
  rejected: "Kept active: the held requests are discarded, and the identity provider's retries are refused.",
  exempted: "The identity provider's next deactivation of that member will go through.",
  saved: "Saved.",
} as const;

/** The deprovisioning safeguard's review: what is held, release all or keep them active, and what was refused. */
export const safeguardPages = new Hono<ConsoleEnv>();

const consequences = (organization: { name: string }, provider: string, state: SafeguardState) => ({
  release: {
    title: `Release all ${state.heldCount}?`,
    text: `${provider}'s ${state.heldCount} held ${state.heldCount === 1 ? "request is" : "requests are"} applied now: those members are deactivated or deleted in ${organization.name} and lose access, their licences are freed, and further deactivations from ${provider} pass until the window ends${state.window ? ` (${new Date(state.window.endsAt).toUTCString().slice(17, 22)} UTC)` : ""}.`,
    button: `Release all ${state.heldCount}`,
  },
  reject: {
    title: `Keep ${state.heldCount} ${state.heldCount === 1 ? "member" : "members"} active?`,
    text: `The held requests are discarded: those members stay active and keep their licences. ${provider} is told that an administrator kept them active each time it asks again, until you let a member through here or ${provider} stops asking: fix the assignment or group rule in ${provider}.`,
    button: "Keep them active",
  },
});

async function renderReview(c: Context<ConsoleEnv>, state?: FormState) {
  const organization = c.var.organization;
  const db = c.var.db;
  const { cursor, done } = parseQuery(c.req.query(), reviewQuery);
  const [safeguard, held, rejected] = await Promise.all([
    safeguardState(db, organization),
    heldRequests(db, organization, "held", { cursor, limit: PAGE_SIZE }),
    heldRequests(db, organization, "rejected", { limit: PAGE_SIZE }),
  ]);
  const provider = identityProviderName(organization);
  const reviewPath = orgPath(organization, "/safeguard");
  const summary = tripSummary(organization, safeguard);
  const decisions = consequences(organization, provider, safeguard);
  return c.html(
    <Layout
      db={c.var.db}
      title="Deprovisioning safeguard"
      session={c.var.session}
      organization={organization}
      section="settings"
    >
      {done && (
        <p class="success" role="status">
          {DONE[done]}
        </p>
      )}
      <section class="panel" aria-labelledby="state-heading">
        <h2 id="state-heading">{summary ? "Deactivations are held" : safeguard.enabled ? "Armed" : "Off"}</h2>
        <p>
          {summary ??
            (safeguard.enabled
              ? `Nothing is held. When ${provider} asks to deactivate or delete more than ${safeguard.thresholdPercent} % of the active members (at least ${safeguard.minimumMembers}) within ${safeguard.windowMinutes} minutes, the rest wait here for your review.`
              : `The safeguard is off: every deactivation ${provider} asks for is applied.`)}
        </p>
        {safeguard.window && (
          <p class="muted">
            This window started {ago(safeguard.window.startedAt)}: {safeguard.window.applied} of{" "}
            {safeguard.window.limit} applied{safeguard.window.released ? ", released for the rest of it" : ""}.
          </p>
        )}
        <FormError state={state} form="decision" />
        {safeguard.heldCount > 0 && (
          <div class="row">
            {(["release", "reject"] as const).map((decision) => (
              <ConfirmAction
                action={`${reviewPath}/${decision}`}
                label={decision === "release" ? "Release all" : "Keep them active"}
                buttonClass={decision === "release" ? "danger" : "primary"}
                tone={decision === "release" ? "danger" : "primary"}
                title={decisions[decision].title}
                consequence={decisions[decision].text}
                confirm={decisions[decision].button}
              />
            ))}
          </div>
        )}
      </section>
      <section class="panel" aria-labelledby="held-heading">
        <h2 id="held-heading">Held</h2>
        <HoldTable organization={organization} holds={held.items} empty="Nothing is held." />
        <Pager
          first={cursor ? reviewPath : undefined}
          next={held.nextCursor ? withQuery(reviewPath, { cursor: held.nextCursor }) : undefined}
        />
      </section>
      {rejected.items.length > 0 && (
        <section class="panel" aria-labelledby="rejected-heading">
          <h2 id="rejected-heading">Kept active</h2>
          <p class="muted">
            {provider}'s deactivations of these members are refused. Once the assignment in {provider} is right, let a
            member through: {provider}'s next request for it is applied.
          </p>
          <FormError state={state} form="exempt" />
          <HoldTable organization={organization} holds={rejected.items} empty="" letThrough />
        </section>
      )}
      <SafeguardSettings organization={organization} safeguard={safeguard} state={state} />
    </Layout>,
  );
}

function HoldTable(props: {
  organization: { id: string };
  holds: HeldRequestView[];
  empty: string;
  letThrough?: boolean;
}) {
  if (props.holds.length === 0) return <p class="muted">{props.empty}</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Asked</th>
            <th scope="col">By</th>
            {props.letThrough && <th scope="col">Decision</th>}
          </tr>
        </thead>
        <tbody>
          {props.holds.map((hold) => (
            <tr>
              <td>
                <a href={orgPath(props.organization, `/members/${hold.memberId}`)}>{hold.name ?? hold.email}</a>
                <small class="muted">{hold.email}</small>
              </td>
              <td>
                {hold.operation === "delete" ? "Delete" : "Deactivate"}, {ago(hold.requestedAt)}
              </td>
              <td>
                {hold.client}
                {hold.userAgent && <small class="muted">{hold.userAgent}</small>}
              </td>
              {props.letThrough && (
                <td>
                  <PostForm
                    action={orgPath(props.organization, `/safeguard/held/${hold.memberId}/exempt`)}
                    label={`Let ${hold.client} deactivate ${hold.email}`}
                  >
                    <button type="submit" class="secondary">
                      Let {hold.client} deactivate
                    </button>
                  </PostForm>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Settings → the safeguard in a sentence, with the way to its review and settings. */
export function SafeguardPanel(props: { organization: Organization; safeguard: SafeguardState }) {
  const { organization, safeguard } = props;
  const summary = tripSummary(organization, safeguard);
  return (
    <section class="panel" aria-labelledby="safeguard-summary-heading">
      <h2 id="safeguard-summary-heading">Deprovisioning safeguard</h2>
      <p class={summary ? "warning" : undefined}>
        {summary ??
          (safeguard.enabled
            ? `On: deactivations beyond ${safeguard.thresholdPercent} % of the active members (at least ${safeguard.minimumMembers}) within ${safeguard.windowMinutes} minutes are held for review.`
            : "Off: every deactivation the identity provider asks for is applied.")}
      </p>
      <a class="button secondary" href={orgPath(organization, "/safeguard")}>
        {summary ? "Review" : "Review and settings"}
      </a>
    </section>
  );
}

/** A member's page: the request about it the safeguard holds (or refuses since an admin kept it active). */
export function HoldNotice(props: {
  organization: Organization;
  hold: NonNullable<Awaited<ReturnType<typeof memberHold>>>;
}) {
  const { hold } = props;
  const asked = `${hold.client} asked to ${hold.operation === "delete" ? "delete" : "deactivate"} this member ${ago(hold.requestedAt)}`;
  const text = {
    held: `${asked}: the deprovisioning safeguard holds the request for your review.`,
    released: `${asked}: released, being applied.`,
    rejected: `${asked}: an administrator kept the member active, and ${hold.client}'s requests are refused.`,
    exempt: `${asked}: an administrator let it through; ${hold.client}'s next request is applied.`,
  }[hold.status];
  return (
    <p class="warning" role="status">
      {text} <a href={orgPath(props.organization, "/safeguard")}>Review</a>
    </p>
  );
}

/** The safeguard's settings: tune it or turn it off. */
export function SafeguardSettings(props: {
  organization: { id: string };
  safeguard: SafeguardState;
  state?: FormState;
}) {
  const { safeguard, state } = props;
  const value = (name: keyof typeof SETTING_LABELS) => kept(state, "safeguard", name, String(safeguard[name]));
  const enabled = state?.form === "safeguard" ? state.values.enabled === "on" : safeguard.enabled;
  return (
    <section class="panel" id="safeguard" aria-labelledby="safeguard-heading">
      <h2 id="safeguard-heading">Safeguard settings</h2>
      <form
        method="post"
        action={orgPath(props.organization, "/safeguard/settings")}
        aria-labelledby="safeguard-heading"
      >
        <div class="field">
          <label>
            <input type="checkbox" name="enabled" value="on" checked={enabled} /> Hold mass deactivations for review
          </label>
        </div>
        <div class="row">
          <Field
            name="thresholdPercent"
            label="Threshold (% of active members)"
            type="number"
            value={value("thresholdPercent")}
          />
          <Field name="minimumMembers" label="Minimum (members)" type="number" value={value("minimumMembers")} />
          <Field name="windowMinutes" label="Window (minutes)" type="number" value={value("windowMinutes")} />
        </div>
        <p class="hint">
          Deactivations and deletions beyond the threshold within the window are held until you release or reject them.
        </p>
        <FormError state={state} form="safeguard" />
        <button type="submit">Save</button>
      </form>
    </section>
  );
}

safeguardPages.get("/", (c) => renderReview(c));

const decide = (decision: "release" | "reject") => (c: Context<ConsoleEnv>) =>
  submitForm(
    c,
    "decision",
    async (values) => {
      const organization = c.var.organization;
      const db = c.var.db;
      const reviewPath = orgPath(organization, "/safeguard");
      if (!confirmed(values)) {
        // Without script the page's dialog never opened: the server states the consequence first.
        const safeguard = await safeguardState(db, organization);
        if (safeguard.heldCount === 0) return c.redirect(reviewPath, 303);
        const asked = consequences(organization, identityProviderName(organization), safeguard)[decision];
        return confirmPage(c, {
          section: "settings",
          title: asked.title,
          message: asked.text,
          action: `${reviewPath}/${decision}`,
          button: asked.button,
          back: reviewPath,
          values: {},
        });
      }
      if (decision === "release") await releaseHeld(db, organization);
      else await rejectHeld(db, organization);
      return c.redirect(withQuery(reviewPath, { done: decision === "release" ? "released" : "rejected" }), 303);
    },
    (state) => renderReview(c, state),
  );

safeguardPages.post("/release", decide("release"));
safeguardPages.post("/reject", decide("reject"));

safeguardPages.post("/held/:memberId/exempt", (c) =>
  submitForm(
    c,
    "exempt",
    async () => {
      const organization = c.var.organization;
      await exemptMember(c.var.db, organization, c.req.param("memberId"));
      return c.redirect(withQuery(orgPath(organization, "/safeguard"), { done: "exempted" }), 303);
    },
    (state) => renderReview(c, state),
  ),
);

safeguardPages.post("/settings", (c) =>
  submitForm(
    c,
    "safeguard",
    async (values) => {
      const organization = c.var.organization;
      const input = parseForm(settingsForm, values, SETTING_LABELS);
      await updateSafeguardSettings(c.var.db, organization, { ...input, enabled: input.enabled === "on" });
      return c.redirect(withQuery(orgPath(organization, "/safeguard"), { done: "saved" }), 303);
    },
    (state) => renderReview(c, state),
  ),
);
