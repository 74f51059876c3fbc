import { type Context, Hono } from "hono";
import * as v from "valibot";
import type { Team } from "../../db/schema-types";
import { nameSchema } from "../../domain/inputs";
import { controlPanelScope, findMember } from "../../domain/members";
import { whoMayJoin } from "../../domain/membership";
import { isReadOnly } from "../../domain/read-only";
import { listTeams, membersByEmail, teamMembersPage } from "../../domain/team-lists";
import {
  addTeamMembers,
  createManualTeam,
  findTeam,
  removeTeam,
  removeTeamMember,
  renameTeam,
} from "../../domain/teams";
import {
  ConfirmAction,
  Done,
  displayName,
  Field,
  FormError,
  type FormState,
  kept,
  Locked,
  MemberStatus,
  Pager,
  Person,
  PostForm,
  ReadOnlyNotice,
  SourceTag,
  withQuery,
} from "../components";
import type { ConsoleEnv } from "../env";
import { flash, takeFlash } from "../flash";
import { confirmed, InvalidForm, parseForm, submitForm } from "../forms";
import { sourceLabel } from "../icons";
import { Layout, orgPath } from "../layout";
import { confirmPage } from "./confirm";

const PAGE_SIZE = 50;
const nameForm = v.object({ name: nameSchema });

const teamDeleteWarning = (team: Team) =>
  `The team ${team.displayName} is deleted. Its members stay in the organization. This cannot be undone.`;

/** Teams: the list, Create team, and each team's page with its members. */
export const teamsPages = new Hono<ConsoleEnv>();

/** The members an admin named by email (separated by spaces, commas, semicolons or lines), every one of them existing. */
function namedMembers(c: Context<ConsoleEnv>, text: string | undefined): Promise<string[]> {
  const emails = (text ?? "")
    .split(/[\s,;]+/)
    .map((e) => e.trim())
    .filter(Boolean);
  return membersByEmail(c.var.db, c.var.organization, emails);
}

async function renderList(c: Context<ConsoleEnv>, state?: FormState) {
  const organization = c.var.organization;
  const db = c.var.db;
  const cursor = c.req.query("cursor");
  const { items: page, nextCursor } = await listTeams(db, organization, { cursor, limit: PAGE_SIZE });
  const listPath = orgPath(organization, "/teams");
  return c.html(
    <Layout db={c.var.db} title="Teams" session={c.var.session} organization={organization} section="teams">
      <ReadOnlyNotice organization={organization} />
      <Done message={takeFlash(c)} />
      {page.length === 0 ? (
        <p class="panel">
          {organization.scimEnabled && organization.scimProvider
            ? `No teams yet. Create one below; the groups ${sourceLabel(organization.scimProvider)} pushes appear here too.`
            : "No teams yet. Create one below, or connect an identity provider in Settings to push its groups."}
        </p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Team</th>
                <th scope="col">Members</th>
                <th scope="col">Source</th>
              </tr>
            </thead>
            <tbody>
              {page.map((team) => (
                <tr>
                  <td>
                    <a href={orgPath(organization, `/teams/${team.id}`)}>{team.displayName}</a>
                    {team.readOnly && (
                      <>
                        {" "}
                        <Locked source={team.source} />
                      </>
                    )}
                  </td>
                  <td>{team.memberCount}</td>
                  <td>
                    <SourceTag source={team.source} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        first={cursor ? listPath : undefined}
        next={nextCursor ? withQuery(listPath, { cursor: nextCursor }) : undefined}
      />
      <section class="panel" aria-labelledby="create-heading">
        <h2 id="create-heading">Create team</h2>
        <form method="post" action={listPath}>
          <Field name="name" label="Team name" required value={kept(state, "create", "name")} />
          <div class="field">
            <label for="field-members">Members (optional)</label>
            <textarea id="field-members" name="members" rows={3} aria-describedby="field-members-hint">
              {kept(state, "create", "members")}
            </textarea>
            <p class="hint" id="field-members-hint">
              Emails of any members, provisioned ones included, separated by spaces, commas or lines.
            </p>
          </div>
          <FormError state={state} form="create" />
          <button type="submit">Create team</button>
        </form>
      </section>
    </Layout>,
  );
}

teamsPages.get("/", (c) => renderList(c));

teamsPages.post("/", (c) =>
  submitForm(
    c,
    "create",
    async (values) => {
      const { name } = parseForm(nameForm, values, { name: "Team name" });
      const memberIds = await namedMembers(c, values.members);
      const team = await createManualTeam(c.var.db, c.var.organization, name, memberIds);
      flash(c, `Created the team ${team.displayName}.`);
      return c.redirect(orgPath(c.var.organization, `/teams/${team.id}`), 303);
    },
    (state) => renderList(c, state),
  ),
);

async function renderTeam(c: Context<ConsoleEnv>, state?: FormState, message?: string) {
  const organization = c.var.organization;
  const db = c.var.db;
  const team: Team = await findTeam(db, controlPanelScope(organization), c.req.param("id")!);
  const after = c.req.query("after");
  const { items: page, next } = await teamMembersPage(db, team, { after, limit: PAGE_SIZE });
  const readOnly = isReadOnly(organization, team);
  const teamPath = orgPath(organization, `/teams/${team.id}`);
  return c.html(
    <Layout db={c.var.db} title={team.displayName} session={c.var.session} organization={organization} section="teams">
      <p>
        <a href={orgPath(organization, "/teams")}>← Teams</a>
      </p>
      <Done message={message ?? takeFlash(c)} />
      <p>
        <SourceTag source={team.source} />
        {team.provisioned ? ` · provisioned by ${sourceLabel(team.source)}` : " · created here"}
      </p>
      {readOnly && (
        <p class="notice">
          <Locked source={team.source} />: this team is provisioned by {sourceLabel(team.source)} and is read-only here
          while provisioning is on. Change it in {sourceLabel(team.source)}.
        </p>
      )}
      <section class="panel" aria-labelledby="members-heading">
        <h2 id="members-heading">Members</h2>
        {page.length === 0 ? (
          <p>No members yet.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col">Status</th>
                  {!readOnly && <th scope="col">Remove</th>}
                </tr>
              </thead>
              <tbody>
                {page.map((member) => (
                  <tr>
                    <td>
                      <Person
                        name={displayName(member)}
                        email={member.email}
                        href={orgPath(organization, `/members/${member.id}`)}
                        source={member.source}
                        provisioned={member.provisioned}
                      />
                    </td>
                    <td>
                      <MemberStatus active={member.active} />
                    </td>
                    {!readOnly && (
                      <td>
                        <PostForm action={`${teamPath}/members/${member.id}/remove`} label={`Remove ${member.email}`}>
                          <button type="submit" class="secondary" aria-label={`Remove ${member.email}`}>
                            Remove
                          </button>
                        </PostForm>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <FormError state={state} form="remove" />
        <Pager first={after ? teamPath : undefined} next={next ? withQuery(teamPath, { after: next }) : undefined} />
        {!readOnly && (
          <form method="post" action={`${teamPath}/members`} aria-labelledby="add-heading">
            <h3 id="add-heading">Add a member</h3>
            <div class="row">
              <Field
                name="email"
                label="Member's email"
                type="email"
                required
                value={kept(state, "add", "email")}
                hint={whoMayJoin(team)}
              />
              <button type="submit">Add member</button>
            </div>
            <FormError state={state} form="add" />
          </form>
        )}
      </section>
      {!readOnly && (
        <section class="panel" aria-labelledby="team-settings-heading">
          <h2 id="team-settings-heading">Team settings</h2>
          <form method="post" action={teamPath}>
            <div class="row">
              <Field name="name" label="Team name" required value={kept(state, "rename", "name", team.displayName)} />
              <button type="submit">Rename</button>
            </div>
            <FormError state={state} form="rename" />
          </form>
          <ConfirmAction
            action={`${teamPath}/delete`}
            label="Delete team"
            title={`Delete ${team.displayName}?`}
            consequence={teamDeleteWarning(team)}
            class="section-end"
          />
        </section>
      )}
    </Layout>,
  );
}

teamsPages.get("/:id", (c) => renderTeam(c));
// A form's address reached by GET (a reload of its answer, a bookmark): the team's page it belongs to.
teamsPages.on("GET", ["/:id/members", "/:id/members/:memberId/remove", "/:id/delete"], (c) =>
  c.redirect(orgPath(c.var.organization, `/teams/${encodeURIComponent(c.req.param("id"))}`), 303),
);

teamsPages.post("/:id", (c) =>
  submitForm(
    c,
    "rename",
    async (values) => {
      const { name } = parseForm(nameForm, values, { name: "Team name" });
      await renameTeam(c.var.db, c.var.organization, c.req.param("id"), name);
      return renderTeam(c, undefined, "Renamed.");
    },
    (state) => renderTeam(c, state),
  ),
);

teamsPages.post("/:id/members", (c) =>
  submitForm(
    c,
    "add",
    async (values) => {
      const memberIds = await namedMembers(c, values.email);
      if (memberIds.length === 0) throw new InvalidForm("Enter a member's email.");
      await addTeamMembers(c.var.db, c.var.organization, c.req.param("id"), memberIds);
      return renderTeam(c, undefined, `Added ${values.email.trim()}.`);
    },
    (state) => renderTeam(c, state),
  ),
);

teamsPages.post("/:id/members/:memberId/remove", (c) =>
  submitForm(
    c,
    "remove",
    async () => {
      const organization = c.var.organization;
      const db = c.var.db;
      const member = await findMember(db, controlPanelScope(organization), c.req.param("memberId"));
      await removeTeamMember(db, organization, c.req.param("id"), member.id);
      flash(c, `Removed ${member.email} from the team.`);
      return c.redirect(orgPath(organization, `/teams/${c.req.param("id")}`), 303);
    },
    (state) => renderTeam(c, state),
  ),
);

teamsPages.post("/:id/delete", (c) =>
  submitForm(
    c,
    "rename",
    async (values) => {
      const organization = c.var.organization;
      const db = c.var.db;
      if (!confirmed(values)) {
        const team = await findTeam(db, controlPanelScope(organization), c.req.param("id"));
        return confirmPage(c, {
          section: "teams",
          title: `Delete ${team.displayName}?`,
          message: teamDeleteWarning(team),
          action: orgPath(organization, `/teams/${team.id}/delete`),
          button: "Delete team",
          back: orgPath(organization, `/teams/${team.id}`),
          values: {},
        });
      }
      const team = await removeTeam(db, organization, c.req.param("id"));
      flash(c, `Deleted the team ${team.displayName}.`);
      return c.redirect(orgPath(organization, "/teams"), 303);
    },
    (state) => renderTeam(c, state),
  ),
);
