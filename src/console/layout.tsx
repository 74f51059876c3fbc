import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import type { Database } from "../db/client";
import type { Organization } from "../db/schema-types";
import { openConflictTotal, organizationAlerts } from "../domain/alerts";
import type { ConsoleSession } from "../domain/console-sessions";

export type Section = "members" | "teams" | "activity" | "conflicts" | "settings" | "organizations";

const SECTIONS: { id: Exclude<Section, "organizations">; label: string }[] = [
  { id: "members", label: "Members" },
  { id: "teams", label: "Teams" },
  { id: "activity", label: "Activity" },
  { id: "conflicts", label: "Conflicts" },
  { id: "settings", label: "Settings" },
];

export const orgPath = (organization: { id: string }, path = "") =>
  `/console/orgs/${encodeURIComponent(organization.id)}${path}`;

/** The product's name, as every page's title and the sidebar show it. */
export const PRODUCT = "scim-edge";

/** A bare page: the document, the stylesheet and the script; no inline script or style anywhere. */
export function Document({ title, children }: { title: string; children: Child }) {
  return (
    <>
      {raw("<!doctype html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${title} · ${PRODUCT} console`}</title>
          <link rel="icon" href="/console/assets/favicon.svg" type="image/svg+xml" />
          <link rel="stylesheet" href="/console/assets/console.css" />
          <script src="/console/assets/console.js" defer />
        </head>
        <body>{children}</body>
      </html>
    </>
  );
}

/** Every signed-in page: the sidebar (a top menu under 640 px), the organization's banners, then the page's own content. */
export async function Layout(props: {
  title: string;
  session: ConsoleSession;
  organization?: Organization;
  section: Section;
  children: Child;
  /** The request's database, for what every page of an organization shows: its banners. */
  db: Database;
}) {
  const { session, organization, section } = props;
  const operator = session.scope.kind === "operator";
  const [alerts, openConflicts] = organization
    ? await Promise.all([organizationAlerts(props.db, organization.id), openConflictTotal(props.db, organization.id)])
    : [[], 0];
  return (
    <Document title={props.title}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <div class="shell">
        <nav class="sidebar" aria-label="Console">
          <a class="brand" href="/console">
            <img src="/console/assets/favicon.svg" alt="" width="20" height="20" />
            {PRODUCT}
          </a>
          {organization && <div class="org-name">{organization.name}</div>}
          <ul>
            {organization &&
              SECTIONS.map((item) => (
                <li>
                  <a
                    href={orgPath(organization, `/${item.id}`)}
                    aria-current={item.id === section ? "page" : undefined}
                  >
                    {item.label}
                    {item.id === "conflicts" && openConflicts > 0 && (
                      <span class="count">
                        {openConflicts}
                        <span class="sr-only"> open</span>
                      </span>
                    )}
                  </a>
                </li>
              ))}
            {operator && (
              <li>
                <a href="/console/orgs" aria-current={section === "organizations" ? "page" : undefined}>
                  Organizations
                </a>
              </li>
            )}
          </ul>
          <div class="who">
            <span>{operator ? "Signed in as operator" : `Signed in as ${organization?.name ?? ""} admin`}</span>
            <form method="post" action="/console/sign-out">
              <button type="submit">Sign out</button>
            </form>
          </div>
        </nav>
        <main id="main">
          {organization && alerts.length > 0 && (
            <div class="alerts">
              {alerts.map((alert) => (
                <div class={`alert ${alert.tone}`} role="alert" data-alert={alert.key}>
                  <p>{alert.text}</p>
                  {alert.actions.length > 0 && (
                    <p class="actions">
                      {alert.actions.map((action) => (
                        <a class="button secondary" href={orgPath(organization, action.href)}>
                          {action.label}
                        </a>
                      ))}
                    </p>
                  )}
                </div>
              ))}
            </div>
          )}
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </div>
    </Document>
  );
}
