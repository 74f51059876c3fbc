import { type Context, Hono } from "hono";
import * as v from "valibot";
import type { Database } from "../../db/client";
import type { Member, Organization } from "../../db/schema-types";
import { memberEmail, memberSearch, memberSource, memberStatus, parseQuery, personName } from "../../domain/inputs";
import {
  controlPanelScope,
  editMember,
  findMember,
  inviteMember,
  type ListedMember,
  listedMembers,
  listMembers,
  memberIfExists,
  type ProviderProfile,
  profileName,
  providerProfile,
  removeMember,
} from "../../domain/members";
import { whyTeamsNotOffered } from "../../domain/membership";
import { memberHold } from "../../domain/safeguard";
import { assignableTeams } from "../../domain/team-lists";
import { inviteMemberToTeam } from "../../domain/teams";
import { lastChangedByProvider, memberTimeline } from "../../domain/timeline";
import {
  Avatar,
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
  Select,
  SourceTag,
  withQuery,
} from "../components";
import type { ConsoleEnv } from "../env";
import { flash, takeFlash } from "../flash";
import { confirmed, optional, parseForm, submitForm } from "../forms";
import { sourceLabel } from "../icons";
import { Layout, orgPath } from "../layout";
import { ago, Timeline } from "../provisioning";
import { confirmPage } from "./confirm";
import { HoldNotice } from "./safeguard";

const PAGE_SIZE = 50;
/** Teams offered by "Assign to team": the first ones, by age; a longer list is the Teams page's job. */
const TEAM_CHOICES = 200;
/** Whom the invite form creates: a member made here, not by an identity provider. */
const INVITED = { provisioned: false };

const listQuery = v.object({
  q: v.optional(memberSearch),
  source: v.optional(v.union([memberSource, v.literal("")])),
  status: v.optional(v.union([memberStatus, v.literal("")])),
  cursor: v.optional(v.string()),
});
const profileForm = v.object({
  email: memberEmail,
  firstName: v.optional(personName),
  lastName: v.optional(personName),
});
const LABELS = { email: "Email", firstName: "First name", lastName: "Last name" };

const memberName = (member: Member) => displayName({ ...profileName(member), email: member.email });

const deleteWarning = (member: Member) =>
  `${member.email} is removed from the organization and from every team, and its licence is freed. This cannot be undone.`;

/** Members: the table with search and filters, keyset pages, and Invite new member. */
export const membersPages = new Hono<ConsoleEnv>();

async function renderList(c: Context<ConsoleEnv>, state?: FormState) {
  const organization = c.var.organization;
  const db = c.var.db;
  const query = parseQuery(c.req.query(), listQuery);
  const q = query.q?.trim() || undefined;
  const filters = { q, source: query.source || undefined, status: query.status || undefined };
  // The banner after an invitation: the member it names, read here (the query carries an id, never text to show).
  const invitedId = c.req.query("invited");
  const [{ items: page, nextCursor }, teamChoices, invited] = await Promise.all([
    listMembers(db, organization, filters, { cursor: query.cursor, limit: PAGE_SIZE }),
    assignableTeams(db, organization, INVITED, { limit: TEAM_CHOICES }),
    invitedId ? memberIfExists(db, controlPanelScope(organization), invitedId) : undefined,
  ]);
  const listPath = orgPath(organization, "/members");
  const filtered = Boolean(q || filters.source || filters.status);
  return c.html(
    <Layout db={c.var.db} title="Members" session={c.var.session} organization={organization} section="members">
      <ReadOnlyNotice organization={organization} />
      <Done message={invited ? `Invited ${invited.email}.` : takeFlash(c)} />
      <form method="get" action={listPath} class="row panel" aria-label="Search and filter members">
        <div class="field">
          <label for="member-search">Search by name or email</label>
          <input id="member-search" name="q" type="search" value={q} />
        </div>
        <Select
          name="source"
          label="Source"
          id="member-source"
          value={filters.source}
          options={[
            { value: "", label: "Any source" },
            ...memberSource.options.map((s) => ({ value: s, label: sourceLabel(s) })),
          ]}
        />
        <Select
          name="status"
          label="Status"
          id="member-status"
          value={filters.status}
          options={[
            { value: "", label: "Any status" },
            { value: "active", label: "Active" },
            { value: "deactivated", label: "Deactivated" },
          ]}
        />
        <button type="submit" class="secondary">
          Apply
        </button>
      </form>
      {page.length === 0 ? (
        <div class="panel">
          {filtered ? (
            <p>No member matches these filters.</p>
          ) : organization.scimEnabled && organization.scimProvider ? (
            <p>
              No members yet. {sourceLabel(organization.scimProvider)} is connected: the members it provisions appear
              here. You can also invite one below.
            </p>
          ) : (
            <p>
              No members yet. Connect Okta or Microsoft Entra ID in{" "}
              <a href={orgPath(organization, "/settings")}>Settings</a> to provision them, or invite one below.
            </p>
          )}
        </div>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Status</th>
                <th scope="col">Teams</th>
                <th scope="col" class="hide-narrow">
                  Source
                </th>
                <th scope="col">
                  <span class="hide-narrow">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.map((member) => (
                <MemberRow organization={organization} member={member} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        first={query.cursor ? withQuery(listPath, filters) : undefined}
        next={nextCursor ? withQuery(listPath, { ...filters, cursor: nextCursor }) : undefined}
      />
      <section class="panel" aria-labelledby="invite-heading">
        <h2 id="invite-heading">Invite new member</h2>
        <form method="post" action={listPath}>
          <div class="row">
            <Field name="email" label="Email" type="email" required value={kept(state, "invite", "email")} />
            <Field name="firstName" label="First name" value={kept(state, "invite", "firstName")} />
            <Field name="lastName" label="Last name" value={kept(state, "invite", "lastName")} />
          </div>
          <Select
            name="teamId"
            label="Assign to team (optional)"
            value={kept(state, "invite", "teamId")}
            options={[
              { value: "", label: "No team" },
              ...teamChoices.items.map((t) => ({ value: t.id, label: t.displayName })),
            ]}
            hint={whyTeamsNotOffered(INVITED)}
          />
          <FormError state={state} form="invite" />
          <button type="submit">Invite member</button>
        </form>
      </section>
    </Layout>,
  );
}

function MemberRow({ organization, member }: { organization: Organization; member: ListedMember }) {
  const { teams, readOnly } = member;
  const name = memberName(member);
  return (
    <tr>
      <td>
        <Person
          name={name}
          email={member.email}
          href={orgPath(organization, `/members/${member.id}`)}
          source={member.source}
          provisioned={member.provisioned}
        />
      </td>
      <td>
        <MemberStatus active={member.active} />
      </td>
      <td>
        {teams.slice(0, 2).map((team, index) => (
          <>
            {index > 0 && ", "}
            <a href={orgPath(organization, `/teams/${team.id}`)}>{team.displayName}</a>
          </>
        ))}
        {teams.length > 2 && ` +${teams.length - 2}`}
      </td>
      <td class="hide-narrow">
        <SourceTag source={member.source} />
      </td>
      <td>
        {readOnly ? (
          <Locked source={member.source} />
        ) : (
          <a href={orgPath(organization, `/members/${member.id}`)} aria-label={`Edit ${name}`}>
            Edit
          </a>
        )}
      </td>
    </tr>
  );
}

membersPages.get("/", (c) => renderList(c));

membersPages.post("/", (c) =>
  submitForm(
    c,
    "invite",
    async (values) => {
      const organization = c.var.organization;
      const input = parseForm(
        profileForm,
        { email: values.email, firstName: optional(values.firstName), lastName: optional(values.lastName) },
        LABELS,
      );
      const db = c.var.db;
      const member = values.teamId
        ? await inviteMemberToTeam(db, organization, input, values.teamId)
        : await inviteMember(db, organization, input);
      return c.redirect(withQuery(orgPath(organization, "/members"), { invited: member.id }), 303);
    },
    (state) => renderList(c, state),
  ),
);

async function renderMember(c: Context<ConsoleEnv>, state?: FormState, message?: string) {
  const organization = c.var.organization;
  const db = c.var.db;
  const member = await findMember(db, controlPanelScope(organization), c.req.param("id")!);
  return memberPage(c, db, member, state, message);
}

async function memberPage(c: Context<ConsoleEnv>, db: Database, member: Member, state?: FormState, message?: string) {
  const organization = c.var.organization;
  const [[{ teams, readOnly }], timeline, hold] = await Promise.all([
    listedMembers(db, organization, [member]),
    memberTimeline(db, member),
    memberHold(db, organization, member.id),
  ]);
  const lastPushed = member.provisioned ? await lastChangedByProvider(db, member, timeline) : undefined;
  const { firstName, lastName } = profileName(member);
  const memberPath = orgPath(organization, `/members/${member.id}`);
  const name = memberName(member);
  return c.html(
    <Layout db={c.var.db} title={name} session={c.var.session} organization={organization} section="members">
      <p>
        <a href={orgPath(organization, "/members")}>← Members</a>
      </p>
      {message && (
        <p class="success" role="status">
          {message}
        </p>
      )}
      {hold && <HoldNotice organization={organization} hold={hold} />}
      <section class="panel" aria-labelledby="profile-heading">
        <h2 id="profile-heading" class="person">
          <Avatar name={name} source={member.source} provisioned={member.provisioned} />
          Profile
        </h2>
        <p>
          <SourceTag source={member.source} /> · <MemberStatus active={member.active} />
        </p>
        {readOnly ? (
          <>
            <p class="notice">
              <Locked source={member.source} />: this member is provisioned by {sourceLabel(member.source)} and is
              read-only here while provisioning is on. Change it in {sourceLabel(member.source)}.
            </p>
            <dl>
              <dt>Email</dt>
              <dd>{member.email}</dd>
              <dt>Name</dt>
              <dd>{[firstName, lastName].filter(Boolean).join(" ") || "—"}</dd>
            </dl>
            <FormError state={state} form="profile" />
            <FormError state={state} form="status" />
          </>
        ) : (
          <>
            {member.provisioned && (
              <p class="warning" id="overwrite-warning">
                {sourceLabel(member.source)} will overwrite this when provisioning is turned back on.
              </p>
            )}
            <form method="post" action={memberPath} id="profile-form" aria-labelledby="profile-heading">
              <div class="row">
                <Field
                  name="email"
                  label="Email"
                  type="email"
                  required
                  value={kept(state, "profile", "email", member.email)}
                />
                <Field
                  name="firstName"
                  label="First name"
                  value={kept(state, "profile", "firstName", firstName ?? "")}
                />
                <Field name="lastName" label="Last name" value={kept(state, "profile", "lastName", lastName ?? "")} />
              </div>
              <FormError state={state} form="profile" />
            </form>
            {/* One row of actions: Save (the profile form's, by its form attribute), then apart the ones that take access away. */}
            <div class="actions-row">
              <button type="submit" form="profile-form">
                Save
              </button>
              <div class="apart">
                <PostForm action={`${memberPath}/status`} label="Status">
                  <input type="hidden" name="active" value={member.active ? "false" : "true"} />
                  <button type="submit" class="secondary">
                    {member.active ? "Deactivate" : "Reactivate"}
                  </button>
                </PostForm>
                <ConfirmAction
                  action={`${memberPath}/delete`}
                  label="Delete member"
                  title={`Delete ${member.email}?`}
                  consequence={deleteWarning(member)}
                />
              </div>
            </div>
            <FormError state={state} form="status" />
          </>
        )}
      </section>
      {member.provisioned && (
        <PushedProfile source={member.source} profile={providerProfile(member)} lastPushed={lastPushed} />
      )}
      <section class="panel" aria-labelledby="teams-heading">
        <h2 id="teams-heading">Teams</h2>
        {teams.length === 0 ? (
          <p>Not in any team.</p>
        ) : (
          <ul>
            {teams.map((team) => (
              <li>
                <a href={orgPath(organization, `/teams/${team.id}`)}>{team.displayName}</a>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="panel" aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        <Timeline items={timeline} />
      </section>
    </Layout>,
  );
}

/** What the identity provider pushed about a member, read-only: its own fields, not editable here. */
function PushedProfile(props: { source: Member["source"]; profile: ProviderProfile; lastPushed?: string }) {
  const { profile } = props;
  const provider = sourceLabel(props.source);
  const rows: [string, string | null][] = [
    ["Username", profile.userName],
    ["External ID", profile.externalId],
    ["Title", profile.title],
    ["Department", profile.department],
    ["Employee number", profile.employeeNumber],
    ["Manager", profile.manager],
  ];
  return (
    <section class="panel" aria-labelledby="pushed-heading">
      <h2 id="pushed-heading">From {provider}</h2>
      <p class="muted">
        {props.lastPushed ? (
          <>
            {provider} last changed this member <time datetime={props.lastPushed}>{ago(props.lastPushed)}</time>.
          </>
        ) : (
          `${provider} has not changed this member since it was linked.`
        )}
      </p>
      <dl class="pushed">
        {rows.map(([label, value]) => (
          <>
            <dt>{label}</dt>
            <dd>{value ?? "—"}</dd>
          </>
        ))}
        <dt>Phone numbers</dt>
        <dd>
          {profile.phoneNumbers.length === 0
            ? "—"
            : profile.phoneNumbers.map((phone) => (
                <span class="phone">
                  {phone.value}
                  {phone.type && <small class="muted"> {phone.type}</small>}
                </span>
              ))}
        </dd>
      </dl>
    </section>
  );
}

membersPages.get("/:id", (c) => renderMember(c));
// A form's address reached by GET (a reload of its answer, a bookmark): the member's page it belongs to.
membersPages.get("/:id/:form{status|delete}", (c) =>
  c.redirect(orgPath(c.var.organization, `/members/${encodeURIComponent(c.req.param("id"))}`), 303),
);

membersPages.post("/:id", (c) =>
  submitForm(
    c,
    "profile",
    async (values) => {
      const input = parseForm(profileForm, values, LABELS);
      const db = c.var.db;
      const member = await editMember(db, c.var.organization, c.req.param("id"), input);
      return memberPage(c, db, member, undefined, "Saved.");
    },
    (state) => renderMember(c, state),
  ),
);

membersPages.post("/:id/status", (c) =>
  submitForm(
    c,
    "status",
    async (values) => {
      const db = c.var.db;
      const active = values.active === "true";
      const member = await editMember(db, c.var.organization, c.req.param("id"), { active });
      return memberPage(c, db, member, undefined, active ? "Reactivated." : "Deactivated.");
    },
    (state) => renderMember(c, state),
  ),
);

membersPages.post("/:id/delete", (c) =>
  submitForm(
    c,
    "status",
    async (values) => {
      const organization = c.var.organization;
      const db = c.var.db;
      if (!confirmed(values)) {
        const member = await findMember(db, controlPanelScope(organization), c.req.param("id"));
        return confirmPage(c, {
          section: "members",
          title: `Delete ${member.email}?`,
          message: deleteWarning(member),
          action: orgPath(organization, `/members/${member.id}/delete`),
          button: "Delete member",
          back: orgPath(organization, `/members/${member.id}`),
          values: {},
        });
      }
      const member = await removeMember(db, organization, c.req.param("id"));
      flash(c, `Deleted ${member.email}.`);
      return c.redirect(orgPath(organization, "/members"), 303);
    },
    (state) => renderMember(c, state),
  ),
);
