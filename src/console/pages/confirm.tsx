import type { Context } from "hono";
import type { ConsoleEnv } from "../env";
import { Layout, type Section } from "../layout";

/**
 * The server's own confirmation, for a browser without script: the same warning the script's
 * dialog gives, and the form again with `confirmed=yes`.
 */
export function confirmPage(
  c: Context<ConsoleEnv>,
  props: {
    section: Section;
    title: string;
    message: string;
    action: string;
    button: string;
    back: string;
    values: Record<string, string>;
  },
) {
  return c.html(
    <Layout title={props.title} session={c.var.session} organization={c.var.organization} section={props.section}>
      <div class="panel">
        <p class="warning">{props.message}</p>
        <form method="post" action={props.action}>
          {Object.entries(props.values).map(([name, value]) => (
            <input type="hidden" name={name} value={value} />
          ))}
          <input type="hidden" name="confirmed" value="yes" />
          <button type="submit" class="danger">
            {props.button}
          </button>{" "}
          <a class="button secondary" href={props.back}>
            Cancel
          </a>
        </form>
      </div>
    </Layout>,
  );
}
