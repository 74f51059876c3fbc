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

/** A POST form; with `confirm`, the script asks first, and without script the server asks. */
export function PostForm(props: { action: string; confirm?: string; class?: string; label?: string; children: Child }) {
  return (
    <form method="post" action={props.action} data-confirm={props.confirm} class={props.class} aria-label={props.label}>
      {props.children}
    </form>
  );
}

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
