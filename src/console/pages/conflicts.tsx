import { type Context, Hono } from "hono";
import * as v from "valibot";
import type { Source } from "../../db/schema";
import type { Conflict } from "../../db/schema-types";
import { conflictDecisions, resolveConflict } from "../../domain/conflict-resolution";
import { conflictIfExists, conflictPage } from "../../domain/conflicts";
import { parseQuery } from "../../domain/inputs";
import { recentFailedRequests } from "../../domain/scim-request-log";
import { ConfirmAction, FormError, type FormState, Pager, Select, withQuery } from "../components";
import type { ConsoleEnv } from "../env";
import { confirmed, parseForm, submitForm } from "../forms";
import { sourceLabel } from "../icons";
import { Layout, orgPath } from "../layout";
import { ago, conflictSentence, RequestItem } from "../provisioning";
import { confirmPage } from "./confirm";
import { notFoundPage } from "./not-found";

const PAGE_SIZE = 50;
const RECENT_ERRORS = 20;
const STATUSES = [
  { value: "open", label: "Needs a decision" },
  { value: "linked", label: "Linked" },
  { value: "dismissed", label: "Dismissed" },
  { value: "resolved", label: "Settled by a later create" },
];

const listQuery = v.object({
  status: v.optional(v.picklist(["open", "linked", "dismissed", "resolved"]), "open"),
  cursor: v.optional(v.string()),
});
const resolveForm = v.object({ action: v.picklist(["link", "dismiss"], "must be link or dismiss") });

const DECISIONS = ["linked", "dismissed"] as const;
type Decision = (typeof DECISIONS)[number];

function decisionMessage(decision: Decision, conflict: Conflict) {
  const provider = sourceLabel((conflict.provider ?? "generic") as Source);
  return decision === "linked"
    ? `Linked ${conflict.targetName}: the member is now the one ${provider} provisions.`
    : `Dismissed the conflict about ${conflict.targetName}.`;
}

const linkWarning = (name: string, provider: string) =>
  `Link ${name} to ${provider}? The member created here becomes the one ${provider} provisions: it takes ${provider}'s profile, keeps its teams, and is read-only here while provisioning is on.`;

const dismissWarning = (name: string, provider: string) =>
  `Nothing changes here, and ${provider} is not told: ${name} stays as it is, and the conflict leaves the list. A new one opens if ${provider} runs into the same problem again.`;

/** Conflicts: what provisioning could not do and an admin must decide, and the latest failed SCIM requests. */
export const conflictsPages = new Hono<ConsoleEnv>();

async function renderConflicts(c: Context<ConsoleEnv>, state?: FormState) {
  const organization = c.var.organization;
  const db = c.var.db;
  const { status, cursor } = parseQuery(c.req.query(), listQuery);
  // The banner after a decision: chosen by the query's key, about the conflict its id names, read here.
  const decided = DECISIONS.find((decision) => c.req.query(decision));
  const [{ items: page, nextCursor }, errors, decidedConflict] = await Promise.all([
    conflictPage(db, organization, status, { cursor, limit: PAGE_SIZE }),
    recentFailedRequests(db, organization, RECENT_ERRORS),
    decided ? conflictIfExists(db, organization, c.req.query(decided)!) : undefined,
  ]);
  const listPath = orgPath(organization, "/conflicts");
  const message =
    decided && decidedConflict?.status === decided ? decisionMessage(decided, decidedConflict) : undefined;
  return c.html(
    <Layout db={c.var.db} title="Conflicts" session={c.var.session} organization={organization} section="conflicts">
      {message && (
        <p class="success" role="status">
          {message}
        </p>
      )}
      <form method="get" action={listPath} class="filters" aria-label="Filter conflicts">
        <div class="row">
          <Select name="status" label="Show" value={status} options={STATUSES} />
          <button type="submit" class="secondary">
            Show
          </button>
        </div>
      </form>
      {page.length === 0 ? (
        <p class="panel">{status === "open" ? "Nothing needs your decision." : "None."}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">What happened</th>
                <th scope="col">Seen</th>
                <th scope="col">Decision</th>
              </tr>
            </thead>
            <tbody>
              {page.map((conflict) => {
                const resolvePath = orgPath(organization, `/conflicts/${conflict.id}/resolve`);
                const provider = sourceLabel((conflict.provider ?? "generic") as Source);
                return (
                  <tr>
                    <td>
                      {conflictSentence(conflict)}
                      <small class="muted">{conflict.detail}</small>
                      <FormError state={state} form={`conflict-${conflict.id}`} />
                    </td>
                    <td>
                      {conflict.occurrences === 1 ? "once" : `${conflict.occurrences} times`}, last{" "}
                      {ago(conflict.lastSeenAt)}
                    </td>
                    <td>
                      {conflict.status !== "open" ? (
                        <span class="muted">
                          {STATUSES.find((s) => s.value === conflict.status)?.label}{" "}
                          {conflict.resolvedAt && ago(conflict.resolvedAt)}
                        </span>
                      ) : (
                        <div class="row">
                          {conflictDecisions(conflict).includes("link") && (
                            <ConfirmAction
                              action={resolvePath}
                              label="Link"
                              name={`Link ${conflict.targetName}`}
                              buttonClass="primary"
                              tone="primary"
                              title={`Link ${conflict.targetName}?`}
                              consequence={linkWarning(conflict.targetName ?? "", provider)}
                              values={{ action: "link" }}
                            />
                          )}
                          <ConfirmAction
                            action={resolvePath}
                            label="Dismiss"
                            name={`Dismiss ${conflict.targetName}`}
                            buttonClass="secondary"
                            title={`Dismiss the conflict about ${conflict.targetName}?`}
                            consequence={dismissWarning(conflict.targetName ?? "", provider)}
                            values={{ action: "dismiss" }}
                          />
                        </div>
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
        first={cursor ? withQuery(listPath, { status }) : undefined}
        next={nextCursor ? withQuery(listPath, { status, cursor: nextCursor }) : undefined}
      />
      <section class="panel" id="errors" aria-labelledby="errors-heading">
        <h2 id="errors-heading">Recent SCIM errors</h2>
        {errors.length === 0 ? (
          <p class="muted">No failed request on record.</p>
        ) : (
          <ul class="timeline">
            {errors.map((request) => (
              <RequestItem request={request} named />
            ))}
          </ul>
        )}
      </section>
    </Layout>,
  );
}

conflictsPages.get("/", (c) => renderConflicts(c));
// A decision's address reached by GET (a reload of its answer, a bookmark): the conflicts page.
conflictsPages.get("/:id/resolve", (c) => c.redirect(orgPath(c.var.organization, "/conflicts"), 303));

conflictsPages.post("/:id/resolve", (c) =>
  submitForm(
    c,
    `conflict-${c.req.param("id")}`,
    async (values) => {
      const organization = c.var.organization;
      const { action } = parseForm(resolveForm, values, { action: "Decision" });
      const db = c.var.db;
      const id = c.req.param("id")!;
      if (!confirmed(values)) {
        const conflict = await conflictIfExists(db, organization, id);
        if (!conflict) return notFoundPage(c);
        const [name, provider] = [conflict.targetName ?? "", sourceLabel((conflict.provider ?? "generic") as Source)];
        return confirmPage(c, {
          section: "conflicts",
          title: action === "link" ? `Link ${name}?` : `Dismiss the conflict about ${name}?`,
          message: action === "link" ? linkWarning(name, provider) : dismissWarning(name, provider),
          action: orgPath(organization, `/conflicts/${c.req.param("id")}/resolve`),
          button: action === "link" ? "Link" : "Dismiss",
          back: orgPath(organization, "/conflicts"),
          values: { action },
        });
      }
      const { conflict } = await resolveConflict(db, organization, id, action);
      const done: Decision = action === "link" ? "linked" : "dismissed";
      return c.redirect(withQuery(orgPath(organization, "/conflicts"), { [done]: conflict.id }), 303);
    },
    (state) => renderConflicts(c, state),
  ),
);
