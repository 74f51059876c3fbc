import { type Context, Hono } from "hono";
import * as v from "valibot";
import { licenseCount, nameSchema } from "../../domain/inputs";
import { createOrganization, listOrganizations } from "../../domain/organizations";
import { Field, FormError, type FormState, kept, Pager, withQuery } from "../components";
import type { ConsoleEnv } from "../env";
import { flash } from "../flash";
import { parseForm, submitForm } from "../forms";
import { sourceLabel } from "../icons";
import { Layout, orgPath } from "../layout";
import { requireOperator } from "../session";

const PAGE_SIZE = 50;
const createForm = v.object({
  name: nameSchema,
  licenses: v.pipe(v.string(), v.trim(), v.regex(/^\d+$/, "must be a whole number"), v.transform(Number), licenseCount),
});

/** The operator's organization list: search, create, open. Organization admins never reach it. */
export const organizationsPages = new Hono<ConsoleEnv>();

organizationsPages.use(requireOperator);

async function renderList(c: Context<ConsoleEnv>, state?: FormState) {
  const q = c.req.query("q")?.trim().slice(0, 200) || undefined;
  const cursor = c.req.query("cursor");
  const { items: page, nextCursor } = await listOrganizations(c.var.storage.shards, q, { cursor, limit: PAGE_SIZE });
  return c.html(
    <Layout db={c.var.db} title="Organizations" session={c.var.session} section="organizations">
      <form method="get" action="/console/orgs" class="row panel" aria-label="Search organizations">
        <div class="field">
          <label for="search">Search by name</label>
          <input id="search" name="q" type="search" value={q} />
        </div>
        <button type="submit" class="secondary">
          Search
        </button>
      </form>
      {page.length === 0 ? (
        <p class="panel">
          {q ? `No organization's name contains “${q}”.` : "No organizations yet: create the first one below."}
        </p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Licences</th>
                <th scope="col">Provisioning</th>
              </tr>
            </thead>
            <tbody>
              {page.map((organization) => (
                <tr>
                  <td>
                    <a href={orgPath(organization, "/members")}>{organization.name}</a>
                  </td>
                  <td>
                    {organization.licensesUsed} of {organization.licenses}
                  </td>
                  <td>
                    {organization.scimEnabled ? `On: ${sourceLabel(organization.scimProvider ?? "generic")}` : "Off"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        first={cursor ? withQuery("/console/orgs", { q }) : undefined}
        next={nextCursor ? withQuery("/console/orgs", { q, cursor: nextCursor }) : undefined}
      />
      <section class="panel" aria-labelledby="create-heading">
        <h2 id="create-heading">Create organization</h2>
        <form method="post" action="/console/orgs">
          <div class="row">
            <Field name="name" label="Name" required value={kept(state, "create", "name")} />
            <Field
              name="licenses"
              label="Licences"
              type="number"
              required
              value={kept(state, "create", "licenses", "50")}
            />
            <button type="submit">Create organization</button>
          </div>
          <FormError state={state} form="create" />
        </form>
      </section>
    </Layout>,
  );
}

organizationsPages.get("/", (c) => renderList(c));

organizationsPages.post("/", (c) =>
  submitForm(
    c,
    "create",
    async (values) => {
      const input = parseForm(createForm, values, { name: "Name", licenses: "Licences" });
      const organization = await createOrganization(c.var.storage.shards, input);
      flash(c, `Created ${organization.name}. Turn on provisioning below, or send its administrator a sign-in link.`);
      return c.redirect(orgPath(organization, "/settings"), 303);
    },
    (state) => renderList(c, state),
  ),
);
