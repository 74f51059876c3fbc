import { type Context, Hono } from "hono";
import * as v from "valibot";
import { type ActivityFilters, activityEntries, activityPage } from "../../domain/activity-log";
import { activityAction, activityActor, parseQuery } from "../../domain/inputs";
import { ACTION_LABELS, actorName, describeActivity, describeChanges } from "../activity-sentence";
import { Pager, Select, withQuery } from "../components";
import type { ConsoleEnv } from "../env";
import { Layout, orgPath } from "../layout";

const PAGE_SIZE = 50;
/** Rows per read while exporting: each one D1 query, well within a request's budget for large logs. */
const EXPORT_PAGE = 500;

const day = v.pipe(v.string(), v.isoDate("must be a date"));
const filtersQuery = v.object({
  actor: v.optional(v.union([activityActor, v.literal("")])),
  action: v.optional(v.union([v.picklist(activityAction.options), v.literal("")])),
  from: v.optional(v.union([day, v.literal("")])),
  to: v.optional(v.union([day, v.literal("")])),
  cursor: v.optional(v.string()),
});

/** The filters of a request, as the query string carries them and as the activity query takes them. */
function readFilters(c: Context<ConsoleEnv>) {
  const { cursor, ...raw } = parseQuery(c.req.query(), filtersQuery);
  const shown = {
    actor: raw.actor || undefined,
    action: raw.action || undefined,
    from: raw.from || undefined,
    to: raw.to || undefined,
  };
  const query: ActivityFilters = {
    actor: shown.actor,
    action: shown.action,
    since: shown.from && `${shown.from}T00:00:00.000Z`,
    // Through the end of the "to" day (UTC): before the next day starts.
    until: shown.to && new Date(Date.parse(`${shown.to}T00:00:00.000Z`) + 86_400_000).toISOString(),
  };
  return { cursor, shown, query };
}

/** Activity → Actions: the log newest first, filtered, paged, each entry a sentence; and its CSV export. */
export const activityPages = new Hono<ConsoleEnv>();

activityPages.get("/", async (c) => {
  const organization = c.var.organization;
  const { cursor, shown, query } = readFilters(c);
  const db = c.var.db;
  const { items: page, nextCursor } = await activityPage(db, organization, query, { cursor, limit: PAGE_SIZE });
  const listPath = orgPath(organization, "/activity");
  return c.html(
    <Layout db={c.var.db} title="Activity" session={c.var.session} organization={organization} section="activity">
      <form method="get" action={listPath} class="panel" aria-label="Filter activity">
        <div class="row">
          <Select
            name="actor"
            label="Actor"
            value={shown.actor}
            options={[
              { value: "", label: "Anyone" },
              ...activityActor.options.map((a) => ({ value: a, label: actorName(a) })),
            ]}
          />
          <Select
            name="action"
            label="Action"
            value={shown.action}
            options={[
              { value: "", label: "Any action" },
              ...activityAction.options.map((a) => ({ value: a, label: ACTION_LABELS[a] })),
            ]}
          />
          <div class="field">
            <label for="field-from">From</label>
            <input id="field-from" name="from" type="date" value={shown.from} />
          </div>
          <div class="field">
            <label for="field-to">To</label>
            <input id="field-to" name="to" type="date" value={shown.to} />
          </div>
          <button type="submit" class="secondary">
            Apply
          </button>
        </div>
        <p class="hint">
          Dates are UTC. <a href={withQuery(orgPath(organization, "/activity.csv"), shown)}>Export CSV</a> of the
          entries these filters show.
        </p>
      </form>
      {page.length === 0 ? (
        <p class="panel">
          {Object.values(shown).some(Boolean) ? "No activity matches these filters." : "No activity yet."}
        </p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">When (UTC)</th>
                <th scope="col">What happened</th>
              </tr>
            </thead>
            <tbody>
              {page.map((entry) => {
                const changes = describeChanges(entry.changes);
                return (
                  <tr>
                    <td>
                      <time datetime={entry.at}>{entry.at.slice(0, 19).replace("T", " ")}</time>
                    </td>
                    <td>
                      {describeActivity(entry)}
                      {changes.length > 0 && (
                        <details>
                          <summary>Details</summary>
                          <ul class="changes">
                            {changes.map((change) => (
                              <li>
                                {change.name}:{" "}
                                {change.from !== undefined && (
                                  <>
                                    <code>{change.from}</code> →{" "}
                                  </>
                                )}
                                <code>{change.to}</code>
                              </li>
                            ))}
                          </ul>
                        </details>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        first={cursor ? withQuery(listPath, shown) : undefined}
        next={nextCursor ? withQuery(listPath, { ...shown, cursor: nextCursor }) : undefined}
      />
    </Layout>,
  );
});

/** A CSV field; a leading = + - @ is neutralised so a spreadsheet never runs it as a formula. */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

const CSV_COLUMNS = ["at", "actor", "action", "sentence", "targetType", "targetId", "targetName", "changes"];

/** The filtered log as CSV, streamed page by page: never built in memory, whatever its size. */
export function activityCsv(c: Context<ConsoleEnv>) {
  const { query } = readFilters(c);
  const db = c.var.db;
  const encoder = new TextEncoder();
  const pages = activityEntries(db, c.var.organization, query, EXPORT_PAGE);
  let started = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(`${CSV_COLUMNS.join(",")}\r\n`));
      }
      const next = await pages.next();
      if (next.done) {
        controller.close();
        return;
      }
      const rows = next.value;
      const lines = rows.map((entry) =>
        [
          entry.at,
          entry.actor,
          entry.action,
          describeActivity(entry),
          entry.targetType,
          entry.targetId ?? "",
          entry.targetName ?? "",
          entry.changes === null ? "" : JSON.stringify(entry.changes),
        ]
          .map(csvField)
          .join(","),
      );
      if (lines.length > 0) controller.enqueue(encoder.encode(`${lines.join("\r\n")}\r\n`));
    },
  });
  const name = `activity-${c.var.organization.id}-${new Date().toISOString().slice(0, 10)}.csv`;
  return c.body(body, 200, {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="${name}"`,
  });
}
