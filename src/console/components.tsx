import type { Child } from "hono/jsx";
import type { Source } from "../db/schema";
import type { Organization } from "../db/schema-types";
import { readOnlyNotice } from "../domain/read-only";
import { LockIcon, SourceIcon, sourceLabel } from "./icons";

/** What a form submission left behind when it was refused: which form, what was typed, and why. */
export interface FormState {
  form: string;
  values: Record<string, string>;
  error: string;
}

/** The typed value of a field if this form was just refused, else the stored one. */
export const kept = (state: FormState | undefined, form: string, name: string, fallback = "") =>
  state?.form === form ? (state.values[name] ?? fallback) : fallback;

/** A refusal, next to the form that caused it, announced to screen readers. */
export function FormError({ state, form }: { state?: FormState; form: string }) {
  if (state?.form !== form) return null;
  return (
    <p class="error" role="alert" id={`${form}-error`}>
      {state.error}
    </p>
  );
}

export function Field(props: {
  name: string;
  label: string;
  value?: string;
  type?: string;
  required?: boolean;
  hint?: string;
  autocomplete?: string;
  id?: string;
}) {
  const id = props.id ?? `field-${props.name}`;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? "text"}
        value={props.value}
        required={props.required}
        autocomplete={props.autocomplete}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
      />
      {props.hint && (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      )}
    </div>
  );
}

export function Select(props: {
  name: string;
  label: string;
  value?: string;
  options: { value: string; label: string }[];
  id?: string;
  hint?: string;
}) {
  const id = props.id ?? `field-${props.name}`;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name} aria-describedby={props.hint ? `${id}-hint` : undefined}>
        {props.options.map((option) => (
          <option value={option.value} selected={option.value === (props.value ?? "")}>
            {option.label}
          </option>
        ))}
      </select>
      {props.hint && (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      )}
    </div>
  );
}

/** A POST form of buttons and hidden fields (an action that needs no second look). */
export function PostForm(props: { action: string; class?: string; label?: string; children: Child }) {
  return (
    <form method="post" action={props.action} class={props.class} aria-label={props.label}>
      {props.children}
    </form>
  );
}

/** Whether what was typed is the word a confirmation asked for: spaces around it and letter case aside. */
export const sameWord = (typed: string | undefined, word: string) =>
  (typed ?? "").trim().toLowerCase() === word.trim().toLowerCase();

/** What a confirmation says and, when it asks for a word, the field to type it in: in the dialog and on the page alike. */
export function ConfirmBody(props: { id: string; consequence: Child; typed?: string; mistyped?: boolean }) {
  return (
    <>
      <p class="warning" id={`${props.id}-consequence`}>
        {props.consequence}
      </p>
      {props.typed && (
        <div class="field">
          <label for={`${props.id}-typed`}>
            Type <strong>{props.typed}</strong> to confirm
          </label>
          {/* Not `required`: the dialog is closed while the form's first button is used, and a required field would block it. */}
          <input
            id={`${props.id}-typed`}
            name="confirmText"
            type="text"
            autocomplete="off"
            spellcheck={false}
            data-expected={props.typed}
            aria-invalid={props.mistyped ? "true" : undefined}
            aria-describedby={props.mistyped ? `${props.id}-mistyped` : undefined}
          />
          {props.mistyped && (
            <p class="error" role="alert" id={`${props.id}-mistyped`}>
              That is not “{props.typed}”. Type it exactly to confirm.
            </p>
          )}
        </div>
      )}
    </>
  );
}

/** A short id, stable for the same form on the same page (FNV-1a of what distinguishes it). */
function formId(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return `confirm-${(hash >>> 0).toString(36)}`;
}

/**
 * An action that needs a second look. Its button opens a dialog in the page (the console's script) that
 * says what will happen; only the dialog's own button submits, with `confirmed=yes`, and with `typed` only
 * once that word is typed (the server checks it too: see `confirmed`). Without script the first button
 * submits as it is, and the server answers with the same confirmation as a page (pages/confirm.tsx).
 */
export function ConfirmAction(props: {
  action: string;
  /** The first button's text, e.g. "Delete member". */
  label: string;
  /** Its accessible name where the text alone is ambiguous (one per row of a list), e.g. "Dismiss bob@acme.test". */
  name?: string;
  /** The dialog's question, e.g. "Delete bob@acme.test?" */
  title: string;
  /** What happens if the admin goes ahead, in words. */
  consequence: Child;
  /** The confirming button's text; the first button's by default. */
  confirm?: string;
  /** A word the admin must type before confirming, e.g. the identity provider's name. */
  typed?: string;
  /** The form's hidden fields. */
  values?: Record<string, string>;
  /** The first button's look; the confirming button is red unless `tone` is "primary". */
  buttonClass?: "danger" | "secondary" | "primary";
  tone?: "danger" | "primary";
  /** A first button of its own (the provider switch); a submit button, like the default one. */
  opener?: Child;
  class?: string;
}) {
  const values = props.values ?? {};
  const id = formId(`${props.action} ${JSON.stringify(values)}`);
  const buttonClass = props.buttonClass === "primary" ? undefined : (props.buttonClass ?? "danger");
  return (
    <form method="post" action={props.action} class={props.class} aria-label={props.name ?? props.label}>
      {Object.entries(values).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      {props.opener ?? (
        <button type="submit" class={buttonClass} aria-label={props.name} aria-haspopup="dialog">
          {props.label}
        </button>
      )}
      <dialog class="confirm" data-confirm aria-labelledby={`${id}-title`} aria-describedby={`${id}-consequence`}>
        <h2 id={`${id}-title`}>{props.title}</h2>
        <ConfirmBody id={id} consequence={props.consequence} typed={props.typed} />
        <div class="actions">
          <button type="button" class="secondary" data-cancel>
            Cancel
          </button>
          <button type="submit" name="confirmed" value="yes" class={props.tone === "primary" ? undefined : "danger"}>
            {props.confirm ?? props.label}
          </button>
        </div>
      </dialog>
    </form>
  );
}

/** What an action did, announced to screen readers; nothing when there is nothing to say. */
export function Done({ message }: { message?: string }) {
  if (!message) return null;
  return (
    <p class="success" role="status">
      {message}
    </p>
  );
}

/** A member's name as the console shows it: given and family name, else the email. */
export const displayName = (person: { firstName: string | null; lastName: string | null; email: string }) =>
  [person.firstName, person.lastName].filter(Boolean).join(" ") || person.email;

function initials(name: string): string {
  const parts = name.split(/[\s@._-]+/).filter(Boolean);
  return ((parts[0]?.[0] ?? "?") + (parts[1]?.[0] ?? "")).toUpperCase();
}

/** A member's initials, with the identity provider's mark as a badge when it was provisioned. */
export function Avatar({ name, source, provisioned }: { name: string; source: Source; provisioned: boolean }) {
  return (
    <span class="avatar" aria-hidden="true">
      {initials(name)}
      {provisioned && (
        <span class="badge">
          <SourceIcon source={source} size={14} />
        </span>
      )}
    </span>
  );
}

/** A member in a list: initials with the provider's badge, the name linking to its page, the email under it. */
export function Person(props: { name: string; email: string; href: string; source: Source; provisioned: boolean }) {
  return (
    <span class="person">
      <Avatar name={props.name} source={props.source} provisioned={props.provisioned} />
      <span>
        <a href={props.href}>{props.name}</a>
        <small>{props.email}</small>
        {props.provisioned && <small class="sr-only">Provisioned by {sourceLabel(props.source)}</small>}
      </span>
    </span>
  );
}

/** Active or Deactivated, as a pill. */
export function MemberStatus({ active }: { active: boolean }) {
  return <span class={`status ${active ? "active" : "deactivated"}`}>{active ? "Active" : "Deactivated"}</span>;
}

/** A source with its mark and name, e.g. "Okta" or "Manual". */
export function SourceTag({ source }: { source: Source }) {
  return (
    <span class="tag">
      <SourceIcon source={source} size={16} />
      {sourceLabel(source)}
    </span>
  );
}

export function Locked({ source }: { source: Source }) {
  return (
    <span class="locked">
      <LockIcon />
      Managed by {sourceLabel(source)}
    </span>
  );
}

/** Keyset paging: the first page and the next one; no page count, which would need a full count. */
export function Pager({ first, next }: { first?: string; next?: string }) {
  if (!first && !next) return null;
  return (
    <nav class="pager" aria-label="Pages">
      {first && (
        <a class="button secondary" href={first}>
          First page
        </a>
      )}
      {next && (
        <a class="button secondary" href={next} rel="next">
          Next page
        </a>
      )}
    </nav>
  );
}

/** A URL with some query parameters replaced (empty values dropped). */
export function withQuery(path: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** The notice that what the identity provider provisioned is read-only here (see readOnlyNotice for when). */
export function ReadOnlyNotice({ organization }: { organization: Organization }) {
  const provider = readOnlyNotice(organization);
  if (!provider) return null;
  const name = sourceLabel(provider);
  return (
    <p class="notice" role="note">
      Members and teams provisioned by {name} are read-only here. Change them in {name}.
    </p>
  );
}
