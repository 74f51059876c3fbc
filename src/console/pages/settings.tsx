import { type Context, Hono } from "hono";
import * as v from "valibot";
import type { ScimProvider } from "../../db/schema";
import type { Conflict } from "../../db/schema-types";
import { changedWhileOff } from "../../domain/conflicts";
import { mintConsoleLink } from "../../domain/console-sessions";
import { licenseCount, nameSchema, scimProvider } from "../../domain/inputs";
import { licencesRunningLow } from "../../domain/licences";
import { rotateScimToken, setScimProvisioning, updateOrganization } from "../../domain/organizations";
import { providerProduct } from "../../domain/providers";
import { safeguardState } from "../../domain/safeguard";
import { connectionHealth } from "../../domain/scim-health";
import { consoleLinkUrl } from "../../routes/console-link-url";
import { tenantUrl } from "../../routes/tenant-url";
import { ConfirmAction, Done, Field, FormError, type FormState, kept, PostForm } from "../components";
import type { ConsoleEnv } from "../env";
import { takeFlash } from "../flash";
import { confirmed, parseForm, submitForm } from "../forms";
import { SourceIcon, sourceLabel } from "../icons";
import { Layout, orgPath } from "../layout";
import { HealthPanel } from "../provisioning";
import { confirmPage } from "./confirm";
import { notFoundPage } from "./not-found";
import { SafeguardPanel } from "./safeguard";

const switchForm = v.object({ provider: scimProvider, enabled: v.picklist(["on", "off"]) });
const organizationForm = v.object({
  name: nameSchema,
  licenses: v.pipe(v.string(), v.trim(), v.regex(/^\d+$/, "must be a whole number"), v.transform(Number), licenseCount),
});

const regenerateWarning = (provider: string) =>
  `Regenerating the token cancels the current integration: ${provider} stops provisioning until the new token is entered there.`;
const switchOffWarning = (provider: string) =>
  `Turning provisioning off cancels the current integration: ${provider} stops provisioning, and its token stops working. Provisioned members become editable here and keep their ${provider} marker.`;

/** Settings → Access management: the identity provider switches, the one-time token, licences. */
export const settingsPages = new Hono<ConsoleEnv>();

interface SettingsView {
  state?: FormState;
  /** The Secret Token just issued: shown in this response only. */
  token?: string;
  /** A console sign-in link just created for the organization's admin: shown in this response only. */
  link?: { url: string; expiresAt: string };
  message?: string;
}

async function renderSettings(c: Context<ConsoleEnv>, view: SettingsView = {}) {
  const organization = c.var.organization;
  const [health, safeguard, changed] = await Promise.all([
    organization.scimProvider ? connectionHealth(c.var.db, organization) : undefined,
    safeguardState(c.var.db, organization),
    changedWhileOff(c.var.db, organization),
  ]);
  const operator = c.var.session.scope.kind === "operator";
  const active = organization.scimEnabled ? organization.scimProvider : null;
  const remaining = licencesRunningLow(organization);
  const settingsPath = orgPath(organization, "/settings");
  // The one-time token must not outlive this response anywhere: no cache, no history snapshot.
  c.header("Cache-Control", "no-store");
  return c.html(
    <Layout db={c.var.db} title="Settings" session={c.var.session} organization={organization} section="settings">
      <Done message={view.message ?? takeFlash(c)} />
      {view.token && active && (
        <section class="panel reveal" aria-labelledby="reveal-heading">
          <h2 id="reveal-heading">Connect {providerProduct(active)}</h2>
          <CopyField id="tenant-url" label="Tenant URL" value={tenantUrl(c, organization.id)} />
          <CopyField id="secret-token" label="Secret Token" value={view.token} />
          <p class="warning">
            This token does not expire. It is shown only now: copy it into {sourceLabel(active)} before you continue.
          </p>
          <a class="button" href={settingsPath}>
            Continue
          </a>
        </section>
      )}
      <section class="panel" aria-labelledby="access-heading">
        <h2 id="access-heading">Access management</h2>
        <p class="hint">One identity provider provisions members and teams at a time.</p>
        <FormError state={view.state} form="provisioning" />
        <ul class="providers">
          {scimProvider.options.map((provider) => {
            const on = active === provider;
            const form = `provider-${provider}`;
            return (
              <li>
                <span class="name">
                  <SourceIcon source={provider} size={24} />
                  {providerProduct(provider)}
                </span>
                <ProviderSwitch
                  action={orgPath(organization, "/settings/provisioning")}
                  provider={provider}
                  on={on}
                  blockedBy={active && !on ? active : undefined}
                  changed={changed}
                />
                <FormError state={view.state} form={form} />
              </li>
            );
          })}
        </ul>
        {active && (
          <div>
            <p>
              Tenant URL: <code>{tenantUrl(c, organization.id)}</code>
              <br />
              Token created {formatTime(organization.scimTokenCreatedAt)}. It is never shown again; regenerate it if it
              is lost.
            </p>
            <ConfirmAction
              action={orgPath(organization, "/settings/token")}
              label="Regenerate token"
              buttonClass="secondary"
              title="Regenerate the Secret Token?"
              consequence={regenerateWarning(sourceLabel(active))}
              values={{ tokenCreatedAt: organization.scimTokenCreatedAt ?? "" }}
            />
            <FormError state={view.state} form="token" />
          </div>
        )}
      </section>
      {health && (
        <HealthPanel organization={organization} health={health} conflictsPath={orgPath(organization, "/conflicts")} />
      )}
      <SafeguardPanel organization={organization} safeguard={safeguard} />
      <section class="panel" aria-labelledby="licences-heading">
        <h2 id="licences-heading">Licences</h2>
        <p>
          {organization.licensesUsed} of {organization.licenses} licences in use.{" "}
          <a href={`${orgPath(organization, "/members")}?status=active`}>See active members</a>
        </p>
        {remaining !== undefined ? (
          <p class="warning" role="status">
            {remaining === 0
              ? "No licence is left"
              : `Only ${remaining} ${remaining === 1 ? "licence is" : "licences are"} left`}
            : new members, provisioned or invited, are refused once none is free.
          </p>
        ) : null}
        {operator && (
          <form
            method="post"
            action={orgPath(organization, "/settings/organization")}
            aria-labelledby="licences-heading"
          >
            <div class="row">
              <Field
                name="name"
                label="Organization name"
                required
                value={kept(view.state, "organization", "name", organization.name)}
              />
              <Field
                name="licenses"
                label="Licences"
                type="number"
                required
                value={kept(view.state, "organization", "licenses", String(organization.licenses))}
              />
              <button type="submit">Save</button>
            </div>
            <FormError state={view.state} form="organization" />
          </form>
        )}
      </section>
      {operator && <ConsoleLinkPanel action={orgPath(organization, "/settings/console-link")} view={view} />}
    </Layout>,
  );
}

/** The operator's way to let one organization admin in: a single-use link, with Copy and when it expires. */
function ConsoleLinkPanel({ action, view }: { action: string; view: SettingsView }) {
  const link = view.link;
  return (
    <section class={link ? "panel reveal" : "panel"} aria-labelledby="console-link-heading">
      <h2 id="console-link-heading">Administrator sign-in link</h2>
      {link ? (
        <>
          <CopyField id="console-link" label="Sign-in link" value={link.url} />
          <p class="warning" role="status">
            It works once, until <time datetime={link.expiresAt}>{formatTime(link.expiresAt)}</time> (10 minutes), and
            is shown only now: send it to the organization's administrator. It signs them in to this organization only.
          </p>
        </>
      ) : (
        <p class="hint">
          A link that signs one administrator of this organization in to its console, once, within 10 minutes. They see
          this organization only.
        </p>
      )}
      <FormError state={view.state} form="console-link" />
      <PostForm action={action} label="Create a sign-in link">
        <button type="submit" class={link ? "secondary" : undefined}>
          {link ? "Create another link" : "Create sign-in link"}
        </button>
      </PostForm>
    </section>
  );
}

/**
 * One provider's switch. Turning it off asks, in the page, for the provider's name to be typed; while another
 * provider is on it is disabled, and says which one to turn off first.
 */
function ProviderSwitch(props: {
  action: string;
  provider: ScimProvider;
  on: boolean;
  blockedBy?: ScimProvider;
  /** What was edited or deleted here while provisioning was off: turning it on asks first, listing them. */
  changed: Conflict[];
}) {
  const { provider, on, blockedBy } = props;
  const name = providerProduct(provider);
  const hintId = `switch-${provider}-hint`;
  const button = (
    <button
      type="submit"
      class="switch"
      role="switch"
      aria-checked={on ? "true" : "false"}
      aria-label={`${name} provisioning`}
      disabled={Boolean(blockedBy)}
      aria-describedby={blockedBy ? hintId : undefined}
    >
      <span class="track" />
      {on ? "On" : "Off"}
    </button>
  );
  const values = { provider, enabled: on ? "off" : "on" };
  return (
    <>
      {on ? (
        <ConfirmAction
          action={props.action}
          label="Turn provisioning off"
          name={`${name} provisioning`}
          title={`Turn ${name} provisioning off?`}
          consequence={switchOffWarning(sourceLabel(provider))}
          typed={sourceLabel(provider)}
          values={values}
          opener={button}
        />
      ) : props.changed.length > 0 && !blockedBy ? (
        <ConfirmAction
          action={props.action}
          label="Turn provisioning on"
          name={`${name} provisioning`}
          title={`Turn ${name} provisioning on?`}
          consequence={<ChangedWhileOff provider={sourceLabel(provider)} changed={props.changed} />}
          tone="primary"
          values={values}
          opener={button}
        />
      ) : (
        <PostForm action={props.action} label={`${name} provisioning`}>
          <input type="hidden" name="provider" value={provider} />
          <input type="hidden" name="enabled" value="on" />
          {button}
        </PostForm>
      )}
      {blockedBy && (
        <span class="hint" id={hintId}>
          Turn {sourceLabel(blockedBy)} off first
        </span>
      )}
    </>
  );
}

/** The re-enable confirmation's list: what the identity provider will overwrite or create again. */
function ChangedWhileOff({ provider, changed }: { provider: string; changed: Conflict[] }) {
  return (
    <>
      <p>
        {changed.length === 1 ? "This was" : `These ${changed.length} were`} changed here while provisioning was off.
        Once it is on, {provider} pushes its own version: edits here are overwritten, and what was deleted here is
        created again.
      </p>
      <ul class="changed-while-off">
        {changed.map((conflict) => (
          <li>
            {conflict.targetType === "team" ? `The team ${conflict.targetName}` : conflict.targetName}:{" "}
            {conflict.kind === "deleted_while_off" ? "deleted here" : "edited here"}
          </li>
        ))}
      </ul>
    </>
  );
}

function CopyField({ id, label, value }: { id: string; label: string; value: string }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <div class="copy">
        <input id={id} type="text" readonly value={value} />
        {/* Shown by the script; without it the field is still selectable. */}
        <button type="button" class="secondary" data-copy={id} hidden aria-label={`Copy ${label}`}>
          Copy
        </button>
      </div>
    </div>
  );
}

const formatTime = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace("T", " ")} UTC` : "—");

settingsPages.get("/", (c) => renderSettings(c));
// A form's address reached by GET (a reload of its answer, a bookmark): the settings page.
settingsPages.get("/:form{provisioning|token|organization|console-link}", (c) =>
  c.redirect(orgPath(c.var.organization, "/settings"), 303),
);

settingsPages.post("/console-link", (c) =>
  submitForm(
    c,
    "console-link",
    async () => {
      if (c.var.session.scope.kind !== "operator") return notFoundPage(c);
      const { token, expiresAt } = await mintConsoleLink(c.var.storage.control, c.var.db, c.var.organization.id);
      return renderSettings(c, { link: { url: consoleLinkUrl(c, token), expiresAt } });
    },
    (state) => renderSettings(c, { state }),
  ),
);

settingsPages.post("/provisioning", async (c) => {
  const organization = c.var.organization;
  return submitForm(
    c,
    // Next to the switch it came from; a form naming no provider (or unreadable) above the switches.
    (values) => (v.is(scimProvider, values.provider) ? `provider-${values.provider}` : "provisioning"),
    async (values) => {
      const input = parseForm(switchForm, values, { provider: "Provider", enabled: "Switch" });
      const db = c.var.db;
      const current = organization.scimEnabled ? organization.scimProvider : null;
      if (input.enabled === "on") {
        if (current && current !== input.provider) {
          c.status(409);
          return renderSettings(c, {
            state: {
              form: `provider-${input.provider}`,
              values,
              error: `Only one identity provider can provision at a time: turn ${providerProduct(current)} off first.`,
            },
          });
        }
        // Already on (a reload of this POST, say): the settings without the token, which was shown once.
        if (current) return c.redirect(orgPath(organization, "/settings"), 303);
        const changed = await changedWhileOff(db, organization);
        if (changed.length > 0 && !confirmed(values)) {
          return confirmPage(c, {
            section: "settings",
            title: `Turn ${providerProduct(input.provider)} provisioning on?`,
            message: <ChangedWhileOff provider={sourceLabel(input.provider)} changed={changed} />,
            action: orgPath(organization, "/settings/provisioning"),
            button: "Turn provisioning on",
            back: orgPath(organization, "/settings"),
            values: { provider: input.provider, enabled: "on" },
          });
        }
        const issued = await setScimProvisioning(db, organization.id, { enabled: true, provider: input.provider });
        c.set("organization", issued.organization);
        return renderSettings(c, { token: issued.token });
      }
      if (!current) return c.redirect(orgPath(organization, "/settings"), 303);
      if (!confirmed(values, sourceLabel(current))) {
        return confirmPage(c, {
          section: "settings",
          title: `Turn ${providerProduct(current)} provisioning off?`,
          message: switchOffWarning(sourceLabel(current)),
          action: orgPath(organization, "/settings/provisioning"),
          button: "Turn provisioning off",
          back: orgPath(organization, "/settings"),
          values: { provider: input.provider, enabled: "off" },
          typed: sourceLabel(current),
          submitted: values,
        });
      }
      const { organization: updated } = await setScimProvisioning(db, organization.id, { enabled: false });
      c.set("organization", updated);
      return renderSettings(c, {
        message: `${providerProduct(current)} provisioning is off. Provisioned members and teams are editable here and keep their marker.`,
      });
    },
    (state) => renderSettings(c, { state }),
  );
});

settingsPages.post("/token", (c) =>
  submitForm(
    c,
    "token",
    async (values) => {
      const organization = c.var.organization;
      if (!organization.scimEnabled || !organization.scimProvider) {
        return c.redirect(orgPath(organization, "/settings"), 303);
      }
      // The token this form was shown with: a reload of the answer (the same POST again) regenerates nothing.
      if (values.tokenCreatedAt !== organization.scimTokenCreatedAt) {
        return renderSettings(c, { message: "The token was already regenerated; it is not shown again." });
      }
      if (!confirmed(values)) {
        return confirmPage(c, {
          section: "settings",
          title: "Regenerate the Secret Token?",
          message: regenerateWarning(sourceLabel(organization.scimProvider)),
          action: orgPath(organization, "/settings/token"),
          button: "Regenerate token",
          back: orgPath(organization, "/settings"),
          values: { tokenCreatedAt: values.tokenCreatedAt },
        });
      }
      const issued = await rotateScimToken(c.var.db, organization.id);
      c.set("organization", issued.organization);
      return renderSettings(c, { token: issued.token });
    },
    (state) => renderSettings(c, { state }),
  ),
);

settingsPages.post("/organization", (c) =>
  submitForm(
    c,
    "organization",
    async (values) => {
      if (c.var.session.scope.kind !== "operator") return notFoundPage(c);
      const input = parseForm(organizationForm, values, { name: "Organization name", licenses: "Licences" });
      c.set("organization", await updateOrganization(c.var.db, c.var.organization.id, input));
      return renderSettings(c, { message: "Saved." });
    },
    (state) => renderSettings(c, { state }),
  ),
);
