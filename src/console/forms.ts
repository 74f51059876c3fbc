import type { Context } from "hono";
import * as v from "valibot";
import { refusalOf } from "../routes/refusals";
import { type FormState, sameWord } from "./components";

/** A form the console cannot act on (a broken input rule, an unknown email); shown next to the form, in words. */
export class InvalidForm extends Error {}

/**
 * A form's fields as strings (the console's forms carry no files). A body the runtime cannot read as
 * a form (multipart cut short or without its boundary) is the sender's fault: InvalidForm, never a 500.
 */
export async function formValues(c: Context): Promise<Record<string, string>> {
  let body: Awaited<ReturnType<typeof c.req.parseBody>>;
  try {
    body = await c.req.parseBody();
  } catch {
    throw new InvalidForm("The form arrived incomplete or malformed. Send it again.");
  }
  return Object.fromEntries(
    Object.entries(body).flatMap(([key, value]) => (typeof value === "string" ? [[key, value]] : [])),
  );
}

/** Validates fields with the same schemas the admin API uses; `labels` name the fields as the form does. */
export function parseForm<T extends v.GenericSchema>(
  schema: T,
  input: unknown,
  labels: Record<string, string>,
): v.InferOutput<T> {
  const parsed = v.safeParse(schema, input);
  if (parsed.success) return parsed.output;
  const issue = parsed.issues[0];
  const path = v.getDotPath(issue);
  throw new InvalidForm(path ? `${labels[path] ?? path} ${issue.message}.` : `${issue.message}.`);
}

/** An empty optional field is absent. */
export const optional = (value: string | undefined) => (value?.trim() ? value : undefined);

/**
 * Runs a form's action; when the domain (or an input rule) refuses it, the page is shown again
 * with the refusal next to that form and what was typed still in it, under the refusal's status.
 */
export async function submitForm(
  c: Context,
  form: string | ((values: Record<string, string>) => string),
  action: (values: Record<string, string>) => Promise<Response>,
  render: (state: FormState) => Response | Promise<Response>,
): Promise<Response> {
  let values: Record<string, string> = {};
  try {
    values = await formValues(c);
    return await action(values);
  } catch (error) {
    const name = typeof form === "string" ? form : form(values);
    if (error instanceof InvalidForm) {
      c.status(400);
      return render({ form: name, values, error: error.message });
    }
    const refusal = refusalOf(error);
    if (!refusal || refusal.status === 404) throw error;
    c.status(refusal.status);
    return render({ form: name, values, error: refusal.message });
  }
}

/**
 * Whether a form that needs confirmation was confirmed (in the page's dialog or on the server's page),
 * with `typed`, the word the confirmation asks for, typed as well.
 */
export const confirmed = (values: Record<string, string>, typed?: string) =>
  values.confirmed === "yes" && (typed === undefined || sameWord(values.confirmText, typed));
