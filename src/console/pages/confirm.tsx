import type { Context } from "hono";
import type { Child } from "hono/jsx";
import { ConfirmBody } from "../components";
import type { ConsoleEnv } from "../env";
import { Layout, type Section } from "../layout";

/**
 * The server's own confirmation, for a browser without script: what the page's dialog says (ConfirmAction),
 * the word to type where one is asked for, and the form again with `confirmed=yes`.
 */
export function confirmPage(
  c: Context<ConsoleEnv>,
  props: {
    section: Section;
    title: string;
    message: Child;
    action: string;
    button: string;
    back: string;
    values: Record<string, string>;
    /** The word to type, and what was sent: a wrong word is said so. */
    typed?: string;
    submitted?: Record<string, string>;
  },
) {
  const mistyped = Boolean(props.typed && props.submitted?.confirmed === "yes");
  if (mistyped) c.status(400);
  return c.html(
    <Layout
      db={c.var.db}
      title={props.title}
      session={c.var.session}
      organization={c.var.organization}
      section={props.section}
    >
      <div class="panel">
        <form method="post" action={props.action}>
          <ConfirmBody id="confirm" consequence={props.message} typed={props.typed} mistyped={mistyped} />
          {Object.entries(props.values).map(([name, value]) => (
            <input type="hidden" name={name} value={value} />
          ))}
          <input type="hidden" name="confirmed" value="yes" />
          <div class="actions">
            <a class="button secondary" href={props.back}>
              Cancel
            </a>
            <button type="submit" class="danger">
              {props.button}
            </button>
          </div>
        </form>
      </div>
    </Layout>,
  );
}
